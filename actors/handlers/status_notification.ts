import { toUtcIso } from "../../protocol/ocppj/time.ts";
import { applyStatus, type StatusReport } from "../connector_state.ts";
import { requireConnectorId } from "./bounds.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.9: the status is always recorded; an unexpected transition is only logged. */
export const statusNotification: Handler<"StatusNotification"> = async (ctx, request) => {
  requireConnectorId(request.connectorId, 0);
  const receivedAt = ctx.receivedAt.toISOString();
  const report: StatusReport = {
    connectorId: request.connectorId,
    status: request.status,
    errorCode: request.errorCode,
    timestamp: request.timestamp ? toUtcIso(request.timestamp) : receivedAt,
  };
  if (request.info !== undefined) report.info = request.info;
  if (request.vendorId !== undefined) report.vendorId = request.vendorId;
  if (request.vendorErrorCode !== undefined) report.vendorErrorCode = request.vendorErrorCode;

  const { connectors, anomaly } = applyStatus(ctx.record.connectors, report);
  if (anomaly) ctx.log.warn("status anomaly", { anomaly, connectorId: report.connectorId });
  ctx.record.connectors = connectors;
  ctx.record.lastSeen = receivedAt;
  // History and snapshot in one commit: a crash cannot keep one without the other.
  await ctx.save({ chargePointId: ctx.chargePointId, ...report, receivedAt });
  const connector = connectors.find((c) => c.connectorId === report.connectorId);
  if (connector) {
    ctx.deps.events.publish({ type: "status", chargePointId: ctx.chargePointId, at: receivedAt, connector });
  }
  return {};
};
