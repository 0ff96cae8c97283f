import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { cancelReservation } from "./cancel_reservation.ts";

const AT = "2026-05-01T10:00:00.000Z";

Deno.test("CancelReservation accepted or rejected (none of that id held) removes the reservation", () => {
  const held = station({
    reservations: [{ reservationId: 3, connectorId: 1, idTag: "T", expiryDate: AT, requestedAt: AT }],
  });
  assertEquals(cancelReservation.effect!(held, { reservationId: 3 }, { status: "Accepted" }, AT), {
    reservations: [],
  });
  assertEquals(cancelReservation.effect!(held, { reservationId: 3 }, { status: "Rejected" }, AT), {
    reservations: [],
  });
});
