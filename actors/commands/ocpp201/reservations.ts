import { type Reservation, withoutReservation } from "../../../model/charge_point.ts";
import { toUtcIso } from "../../../protocol/ocppj/time.ts";
import type { Command201 } from "./command.ts";

/** OCPP 2.0.1 H01: an accepted reservation is kept like a 1.6 one (EVSE 0: any EVSE). */
export const reserveNow: Command201<"ReserveNow"> = {
  effect(state, request, response, at) {
    if (response.status !== "Accepted") return null;
    const reservation: Reservation = {
      reservationId: request.id,
      connectorId: request.evseId ?? 0,
      idTag: request.idToken.idToken,
      expiryDate: toUtcIso(request.expiryDateTime),
      requestedAt: at,
    };
    if (request.groupIdToken !== undefined) reservation.parentIdTag = request.groupIdToken.idToken;
    return { reservations: [...withoutReservation(state, request.id, at), reservation] };
  },
};

/** OCPP 2.0.1 H02. */
export const cancelReservation: Command201<"CancelReservation"> = {
  effect: (state, request, response, at) =>
    response.status === "Accepted"
      ? { reservations: withoutReservation(state, request.reservationId, at) }
      : null,
};
