import { toMeterRows } from "../meter_rows.ts";
import { requireConnectorId } from "./bounds.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.7. Every sampled value is stored once (replays are skipped by the store), in any timestamp
 * order. A transactionId we do not know for this station is logged and the values kept without it.
 */
export const meterValues: Handler<"MeterValues"> = async (ctx, request) => {
  requireConnectorId(request.connectorId, 0);
  const { store } = ctx.deps;
  const receivedAt = ctx.receivedAt.toISOString();
  let transactionId: number | null = null;
  if (request.transactionId !== undefined) {
    const active = ctx.record.connectors.some((c) => c.transactionId === request.transactionId);
    const known = active ||
      (await store.getTransaction(request.transactionId))?.chargePointId === ctx.chargePointId;
    if (known) transactionId = request.transactionId;
    else ctx.log.warn("meter values for unknown transaction", { transactionId: request.transactionId });
  }
  const rows = toMeterRows(
    ctx.chargePointId,
    request.connectorId,
    transactionId,
    request.meterValue,
    receivedAt,
  );
  const stored = await store.addMeterValues(rows);
  ctx.deps.events.publish({
    type: "meterValues",
    chargePointId: ctx.chargePointId,
    at: receivedAt,
    connectorId: request.connectorId,
    transactionId,
    stored,
  });
  return {};
};
