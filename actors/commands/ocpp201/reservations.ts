import { type Reservation, withoutReservation } from "../../../model/charge_point.ts";
import { toUtcIso } from "../../../protocol/ocppj/time.ts";
import type { Command201 } from "./command.ts";
import type { RequestOf } from "../../../protocol/ocpp201/mod.ts";
import { secondReservation } from "../reservation_guards.ts";

/** OCPP 2.0.1 H01: an accepted reservation is kept like a 1.6 one (EVSE 0: any EVSE). */
export const reserveNow: Command201<"ReserveNow"> = {
  // The snapshot drops a reservation once used, cancelled or expired (TransactionEvent, ReservationStatusUpdate),
  // so 1.6's guards hold here too.
  guard: (state, request, now) =>
    secondReservation(state, request.evseId ?? 0, request.id, now, {
      idTag: request.idToken.idToken,
      parentIdTag: request.groupIdToken?.idToken,
    }),
  holds: (request, at) => reservationOf(request, at),
  effect(state, request, response, at) {
    if (response.status !== "Accepted") return null;
    return { reservations: [...withoutReservation(state, request.id, at), reservationOf(request, at)] };
  },
};

function reservationOf(request: RequestOf<"ReserveNow">, at: string): Reservation {
  const reservation: Reservation = {
    reservationId: request.id,
    connectorId: request.evseId ?? 0,
    idTag: request.idToken.idToken,
    expiryDate: toUtcIso(request.expiryDateTime),
    requestedAt: at,
  };
  if (request.groupIdToken !== undefined) reservation.parentIdTag = request.groupIdToken.idToken;
  return reservation;
}

/**
 * OCPP 2.0.1 H02: Accepted removes the reservation; so does Rejected, which says the station holds none of that
 * id (H02.FR.03; the ledger ends it too). Either answer lets a timed-out one go.
 */
export const cancelReservation: Command201<"CancelReservation"> = {
  releases: (request) => request.reservationId,
  effect: (state, request, response, at) =>
    response.status === "Accepted" || response.status === "Rejected"
      ? { reservations: withoutReservation(state, request.reservationId, at) }
      : null,
};
