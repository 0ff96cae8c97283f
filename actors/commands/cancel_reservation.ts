import { withoutReservation } from "../../model/charge_point.ts";
import type { Command } from "./command.ts";

/** OCPP 1.6 §5.1: an accepted cancellation removes the reservation. */
export const cancelReservation: Command<"CancelReservation"> = {
  effect: (state, request, response, at) =>
    response.status === "Accepted"
      ? { reservations: withoutReservation(state, request.reservationId, at) }
      : null,
};
