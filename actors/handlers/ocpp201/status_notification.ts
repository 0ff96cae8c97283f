import { isStaleReport } from "../../../model/connector_state.ts";
import { upsertEvseConnector } from "../../../model/evse.ts";
import { isoString, toUtcIso } from "../../../protocol/ocppj/time.ts";
import { requireConnectorId, requireRoomForConnector } from "../bounds.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 G01: one connector of one EVSE. Recorded whatever the transition (the station knows its
 * hardware), unless older than the connector's current status (`isStaleReport`); the transaction we know open
 * on the EVSE stays attached.
 */
export const statusNotification: Handler201<"StatusNotification"> = (state, request, ctx) => {
  requireConnectorId(request.evseId, 0, "evseId");
  requireConnectorId(request.connectorId, 0);
  const known = state.evses ?? [];
  const current = known.find((e) => e.evseId === request.evseId && e.connectorId === request.connectorId);
  requireRoomForConnector(known.length, current === undefined);
  const timestamp = toUtcIso(request.timestamp);
  if (isStaleReport(timestamp, current?.timestamp, isoString(ctx.now))) {
    return {
      response: {},
      log: [{
        level: "info",
        msg: "status notification older than the connector's current status: ignored",
        fields: {
          evseId: request.evseId,
          connectorId: request.connectorId,
          status: request.connectorStatus,
          timestamp,
        },
      }],
    };
  }
  const evses = upsertEvseConnector(known, {
    evseId: request.evseId,
    connectorId: request.connectorId,
    status: request.connectorStatus,
    timestamp,
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
