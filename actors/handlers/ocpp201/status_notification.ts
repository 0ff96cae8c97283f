import { upsertEvseConnector } from "../../../model/evse.ts";
import { isoString, toUtcIso } from "../../../protocol/ocppj/time.ts";
import { requireConnectorId, requireRoomForConnector } from "../bounds.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 G01: one connector of one EVSE. Always recorded (the station knows its hardware); the
 * transaction we know open on the EVSE stays attached.
 */
export const statusNotification: Handler201<"StatusNotification"> = (state, request, ctx) => {
  requireConnectorId(request.evseId, 0, "evseId");
  requireConnectorId(request.connectorId, 0);
  const known = state.evses ?? [];
  requireRoomForConnector(
    known.length,
    !known.some((e) => e.evseId === request.evseId && e.connectorId === request.connectorId),
  );
  const evses = upsertEvseConnector(known, {
    evseId: request.evseId,
    connectorId: request.connectorId,
    status: request.connectorStatus,
    timestamp: toUtcIso(request.timestamp),
  });
  const evse = evses.find((e) => e.evseId === request.evseId && e.connectorId === request.connectorId)!;
  return {
    response: {},
    changes: { snapshot: { evses } },
    events: [{ type: "evseStatus", chargePointId: ctx.chargePointId, at: isoString(ctx.now), evse }],
    log: [{
      level: "info",
      msg: "status notification",
      fields: { evseId: request.evseId, connectorId: request.connectorId, status: request.connectorStatus },
    }],
  };
};
