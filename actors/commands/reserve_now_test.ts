import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
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
