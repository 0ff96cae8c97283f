import { withoutReservation } from "../../../model/charge_point.ts";
import { isoString } from "../../../protocol/ocppj/time.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 H01: a reservation expired or was removed on the station: it no longer holds. Told even when the
 * snapshot lacks it (its ReserveNow not answered yet, or timed out): the shell lets go what it holds for that
 * ReserveNow (`reservationsEnded`), and the ledger ends it (the event: `fleet/reservation_service.ts`).
 */
export const reservationStatusUpdate: Handler201<"ReservationStatusUpdate"> = (state, request, ctx) => ({
  response: {},
  changes: state.reservations?.some((r) => r.reservationId === request.reservationId)
    ? { snapshot: { reservations: withoutReservation(state, request.reservationId, isoString(ctx.now)) } }
    : {},
  events: [{
    type: "reservationStatus",
    chargePointId: state.id,
    at: isoString(ctx.now),
    reservationId: request.reservationId,
    status: request.reservationUpdateStatus,
  }],
  reservationsEnded: [request.reservationId],
  log: [{
    level: "info",
    msg: "reservation status",
    fields: { reservationId: request.reservationId, status: request.reservationUpdateStatus },
  }],
});
