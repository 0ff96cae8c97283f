import { isStaleReport } from "../../../model/connector_state.ts";
import { upsertEvseConnector } from "../../../model/evse.ts";
import type { StatusHistoryEntry } from "../../../model/status_history.ts";
import { isoString, toUtcIso } from "../../../protocol/ocppj/time.ts";
import { requireConnectorId, requireRoomForConnector } from "../bounds.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 G01: one connector of one EVSE. Always kept in the status history, as 1.6 reports are; it
 * becomes the connector's status whatever the transition (the station knows its hardware), unless older than
 * the connector's current status (`isStaleReport`); the transaction we know open on the EVSE stays attached.
 */
export const statusNotification: Handler201<"StatusNotification"> = (state, request, ctx) => {
  requireConnectorId(request.evseId, 0, "evseId");
  requireConnectorId(request.connectorId, 0);
  const known = state.evses ?? [];
  const current = known.find((e) => e.evseId === request.evseId && e.connectorId === request.connectorId);
  requireRoomForConnector(known.length, current === undefined);
  const timestamp = toUtcIso(request.timestamp);
  const receivedAt = isoString(ctx.now);
  const history: StatusHistoryEntry[] = [{
    chargePointId: ctx.chargePointId,
    evseId: request.evseId,
    connectorId: request.connectorId,
    status: request.connectorStatus,
    timestamp,
    receivedAt,
  }];
  // Stale or not, the station reports: the dashboard no longer waits for it (`overview/awaiting_status.ts`).
  if (isStaleReport(timestamp, current?.timestamp, receivedAt)) {
    return {
      response: {},
      changes: { snapshot: { statusReceivedAt: receivedAt }, statusHistory: history },
      log: [{
        level: "info",
        msg: "status notification older than the connector's current status: kept in the history only",
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
    // History and snapshot in one commit: a crash cannot keep one without the other.
    changes: { snapshot: { evses, statusReceivedAt: receivedAt }, statusHistory: history },
    events: [{ type: "evseStatus", chargePointId: ctx.chargePointId, at: receivedAt, evse }],
    log: [{
      level: "info",
      msg: "status notification",
      fields: { evseId: request.evseId, connectorId: request.connectorId, status: request.connectorStatus },
    }],
  };
};
