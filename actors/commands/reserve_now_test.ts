import { assertEquals } from "@std/assert";
import { reservation, station } from "../handlers/fakes.ts";
import { reserveNow } from "./reserve_now.ts";

const AT = "2026-05-01T10:00:00.000Z";
const RESERVE = { connectorId: 1, expiryDate: "2026-05-01T11:00:00Z", idTag: "TAG-1", reservationId: 3 };

Deno.test("ReserveNow accepted keeps the reservation, replacing one with the same id", () => {
  const first = reserveNow.effect!(station(), RESERVE, { status: "Accepted" }, AT);
  const kept = {
    reservationId: 3,
    connectorId: 1,
    idTag: "TAG-1",
    expiryDate: "2026-05-01T11:00:00.000Z",
    requestedAt: AT,
  };
  assertEquals(first, { reservations: [kept] });
  const again = reserveNow.effect!(
    station({ reservations: [kept] }),
    { ...RESERVE, connectorId: 2, parentIdTag: "P" },
    { status: "Accepted" },
    AT,
  );
  assertEquals(again, { reservations: [{ ...kept, connectorId: 2, parentIdTag: "P" }] });
  assertEquals(reserveNow.effect!(station(), RESERVE, { status: "Occupied" }, AT), null);
});

Deno.test("ReserveNow accepted drops the reservations that have expired, whose end the station never told", () => {
  const expired = Array.from({ length: 500 }, (_, i) => reservation(100 + i, "2026-04-02T00:00:00.000Z"));
  const running = reservation(99, "2026-05-01T10:30:00.000Z");
  const patch = reserveNow.effect!(
    station({ reservations: [...expired, reservation(98, AT), running] }),
    RESERVE,
    { status: "Accepted" },
    AT,
  );
  assertEquals(patch?.reservations?.map((r) => r.reservationId), [99, 3]);
});

Deno.test("ReserveNow's guard refuses a second reservation on a connector, naming the one it holds", () => {
  const held = { ...reservation(9, "2026-05-01T10:30:00.000Z"), connectorId: 1 };
  const now = new Date(AT);
  const refusal = reserveNow.guard!(station({ reservations: [held] }), RESERVE, now);
  assertEquals(refusal, {
    reason: 'connector 1 already holds reservation 9 for "TAG-0" until 2026-05-01T10:30:00.000Z',
    details: { reservationId: 9, idTag: "TAG-0", expiryDate: "2026-05-01T10:30:00.000Z" },
  });
  // Its own id replaces it; another connector is free; an expired one holds nothing.
  assertEquals(
    reserveNow.guard!(station({ reservations: [held] }), { ...RESERVE, reservationId: 9 }, now),
    null,
  );
  assertEquals(
    reserveNow.guard!(station({ reservations: [held] }), { ...RESERVE, connectorId: 2 }, now),
    null,
  );
  assertEquals(
    reserveNow.guard!(station({ reservations: [held] }), RESERVE, new Date("2026-05-01T10:30:00.000Z")),
    null,
  );
});
