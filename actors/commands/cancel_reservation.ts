import { withoutReservation } from "../../model/charge_point.ts";
import type { Command } from "./command.ts";

/**
 * OCPP 1.6 §5.1: an accepted cancellation removes the reservation; so does a rejected one, which says the
 * station holds no reservation of that id (the ledger ends it too: `ReservationService.commandAnswered`).
 * Either way a ReserveNow of that id that timed out holds nothing any more.
 */
export const cancelReservation: Command<"CancelReservation"> = {
  releases: (request) => request.reservationId,
  effect: (state, request, response, at) =>
    response.status === "Accepted" || response.status === "Rejected"
      ? { reservations: withoutReservation(state, request.reservationId, at) }
      : null,
};
