import { assertEquals } from "@std/assert";
import { holdsReservation, reservationOn, reservationUse } from "./reservation_holder.ts";

const UNTIL = "2026-05-01T11:00:00.000Z";
const NOW = Date.parse("2026-05-01T10:00:00.000Z");
const OWNERS = { reservationId: 7, connectorId: 1, idTag: "OWNER", parentIdTag: "FLEET", expiryDate: UNTIL };

Deno.test("holdsReservation(): its idTag (any case), its parent, and the parent's other tags; no one else", () => {
  assertEquals(holdsReservation(OWNERS, { idTag: "owner" }), true);
  assertEquals(holdsReservation(OWNERS, { idTag: "FLEET" }), true);
  assertEquals(holdsReservation(OWNERS, { idTag: "SIBLING", parentIdTag: "FLEET" }), true);
  assertEquals(holdsReservation(OWNERS, { idTag: "STRANGER" }), false);
  assertEquals(holdsReservation(OWNERS, { idTag: "STRANGER", parentIdTag: "OTHERS" }), false);
  // Without a parentIdTag it is its tag's and the tags whose parent it is.
  const plain = { ...OWNERS, parentIdTag: null };
  assertEquals(holdsReservation(plain, { idTag: "SIBLING", parentIdTag: "FLEET" }), false);
  assertEquals(holdsReservation(plain, { idTag: "CHILD", parentIdTag: "OWNER" }), true);
});

Deno.test("reservationUse(): a named reservation is used by its holder on its connector, else not held", () => {
  const start = { connectorId: 1, idTag: "OWNER", reservationId: 7 };
  assertEquals(reservationUse([OWNERS], start), { used: OWNERS, notHeld: null });
  assertEquals(reservationUse([OWNERS], { ...start, idTag: "STRANGER" }), { used: null, notHeld: OWNERS });
  assertEquals(reservationUse([OWNERS], { ...start, connectorId: 2 }), { used: null, notHeld: OWNERS });
  // One we do not know (expired, made elsewhere): nothing to end, nothing to say.
  assertEquals(reservationUse([OWNERS], { ...start, reservationId: 8 }), { used: null, notHeld: null });
});

Deno.test("reservationUse(): an unnamed start uses its tag's reservation before its parent's, connector 0 too", () => {
  const zero = { ...OWNERS, reservationId: 8, connectorId: 0, idTag: "SIBLING" };
  const start = { connectorId: 1, idTag: "SIBLING", parentIdTag: "FLEET", reservationId: null };
  assertEquals(reservationUse([OWNERS, zero], start).used, zero);
  assertEquals(reservationUse([OWNERS], start).used, OWNERS);
  assertEquals(reservationUse([OWNERS], { ...start, connectorId: 2 }).used, null);
  assertEquals(reservationUse([OWNERS], { ...start, parentIdTag: null }), { used: null, notHeld: null });
});

Deno.test("reservationOn(): the unexpired reservation of exactly that connector, but the one excepted", () => {
  const zero = { ...OWNERS, reservationId: 8, connectorId: 0 };
  assertEquals(reservationOn([zero, OWNERS], 1, NOW), OWNERS);
  assertEquals(reservationOn([OWNERS], 1, NOW, 7), null);
  assertEquals(reservationOn([OWNERS], 2, NOW), null);
  assertEquals(reservationOn([OWNERS], 1, Date.parse(UNTIL)), null);
});
