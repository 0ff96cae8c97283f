import { type Reservation, withoutReservation } from "../../model/charge_point.ts";
import { toUtcIso } from "../../protocol/ocppj/time.ts";
import type { Command } from "./command.ts";
import type { RequestOf } from "../../protocol/ocpp16/mod.ts";
import { secondReservation } from "./reservation_guards.ts";

/**
 * OCPP 1.6 §5.13: an accepted reservation is kept; one with a known reservationId replaces it. Refused (unless
 * forced) on a connector that holds another.
 */
export const reserveNow: Command<"ReserveNow"> = {
  guard: (state, request, now) =>
    secondReservation(state, request.connectorId, request.reservationId, now, {
      idTag: request.idTag,
      parentIdTag: request.parentIdTag,
    }),
  holds: (request, at) => reservationOf(request, at),
  effect(state, request, response, at) {
    if (response.status !== "Accepted") return null;
    return {
      reservations: [...withoutReservation(state, request.reservationId, at), reservationOf(request, at)],
    };
  },
};

function reservationOf(request: RequestOf<"ReserveNow">, at: string): Reservation {
  const reservation: Reservation = {
    reservationId: request.reservationId,
    connectorId: request.connectorId,
    idTag: request.idTag,
    expiryDate: toUtcIso(request.expiryDate),
    requestedAt: at,
  };
  if (request.parentIdTag !== undefined) reservation.parentIdTag = request.parentIdTag;
  return reservation;
}
