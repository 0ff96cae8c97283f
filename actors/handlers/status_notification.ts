import { applyStatus, type StatusReport } from "../../model/connector_state.ts";
import { isoString, toUtcIso } from "../../protocol/ocppj/time.ts";
import { untimedReportName } from "../../model/status_history.ts";
import { requireConnectorId } from "./bounds.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.9: the status is always recorded in the history; an unexpected transition is only logged. A
 * report older than the connector's current status does not replace it (`isStaleReport`).
 */
export const statusNotification: Handler<"StatusNotification"> = (state, request, ctx) => {
  requireConnectorId(request.connectorId, 0);
  const receivedAt = isoString(ctx.now);
  const report: StatusReport = {
    connectorId: request.connectorId,
    status: request.status,
    errorCode: request.errorCode,
    timestamp: request.timestamp ? toUtcIso(request.timestamp) : receivedAt,
  };
  if (!request.timestamp) report.untimed = true;
  if (request.info !== undefined) report.info = request.info;
  if (request.vendorId !== undefined) report.vendorId = request.vendorId;
  if (request.vendorErrorCode !== undefined) report.vendorErrorCode = request.vendorErrorCode;

  const { connectors, anomaly, stale } = applyStatus(state.connectors, report, receivedAt);
  // The history keeps both times (the station's, or ours, and receivedAt): it needs no `untimed` mark.
  const { untimed: _ours, ...entry } = report;
  // A report without the station's time is named by its CALL since the station's boot: a copy sent again is
  // stored once, a report under the same id after a reboot (numbered afresh) is another.
  const named = !request.timestamp && ctx.messageId !== undefined
    ? { callId: untimedReportName(ctx.messageId, state.bootedAt) }
    : {};
  const history = [{ chargePointId: ctx.chargePointId, ...entry, receivedAt, ...named }];
  // Stale or not, the station reports: the dashboard no longer waits for it (`overview/awaiting_status.ts`).
  if (stale) {
    return {
      response: {},
      changes: { snapshot: { statusReceivedAt: receivedAt }, statusHistory: history },
      log: [{
        level: "info",
        msg: "status notification older than the connector's current status: kept in the history only",
        fields: { connectorId: report.connectorId, status: report.status, timestamp: report.timestamp },
      }],
    };
  }
  const connector = connectors.find((c) => c.connectorId === report.connectorId);
  return {
    response: {},
    // History and snapshot in one commit: a crash cannot keep one without the other.
    changes: {
      snapshot: { connectors, statusReceivedAt: receivedAt },
      statusHistory: history,
    },
    events: connector
      ? [{ type: "status", chargePointId: ctx.chargePointId, at: receivedAt, connector }]
      : [],
    log: anomaly
      ? [{ level: "warn", msg: "status anomaly", fields: { anomaly, connectorId: report.connectorId } }]
      : [],
  };
};
