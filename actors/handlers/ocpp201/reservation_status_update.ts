import { withoutReservation } from "../../../model/charge_point.ts";
import { isoString } from "../../../protocol/ocppj/time.ts";
import type { Handler201 } from "./handler.ts";

/** OCPP 2.0.1 H01: a reservation expired or was removed on the station: it no longer holds. */
export const reservationStatusUpdate: Handler201<"ReservationStatusUpdate"> = (state, request, ctx) => ({
  response: {},
  changes: state.reservations?.some((r) => r.reservationId === request.reservationId)
    ? { snapshot: { reservations: withoutReservation(state, request.reservationId, isoString(ctx.now)) } }
    : {},
  log: [{
    level: "info",
    msg: "reservation status",
    fields: { reservationId: request.reservationId, status: request.reservationUpdateStatus },
  }],
});
