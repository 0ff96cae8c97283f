import { assertEquals } from "@std/assert";
import type { Reservation } from "./charge_point.ts";
import { heldReservations, releasedReservations } from "./reservation_hold.ts";

const AT = "2026-05-01T10:00:00.000Z";
const hold: Reservation = {
  reservationId: 7,
  connectorId: 1,
  idTag: "OWNER",
  expiryDate: "2026-05-01T11:00:00.000Z",
  requestedAt: AT,
};

Deno.test("heldReservations() adds a timed-out ReserveNow, drops expired ones, keeps a recorded one of its id", () => {
  const expired = { ...hold, reservationId: 1, expiryDate: AT };
  assertEquals(heldReservations({ reservations: [expired] }, hold, AT), [{ ...hold, unconfirmed: true }]);
  const recorded = { ...hold, idTag: "EARLIER", requestedAt: "2026-05-01T09:00:00.000Z" };
  assertEquals(heldReservations({ reservations: [recorded] }, hold, AT), null);
});

Deno.test("releasedReservations() takes out only that very hold", () => {
  const other = { ...hold, reservationId: 8 };
  assertEquals(releasedReservations({ reservations: [hold, other] }, hold), [other]);
  // Replaced since (accepted, or another ReserveNow of that id): not the hold any more.
  assertEquals(
    releasedReservations({ reservations: [{ ...hold, requestedAt: "2026-05-01T10:05:00.000Z" }] }, hold),
    null,
  );
  assertEquals(releasedReservations({}, hold), null);
});
