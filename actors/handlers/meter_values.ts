import { isoString } from "../../protocol/ocppj/time.ts";
import { toMeterRows } from "../../model/meter_value.ts";
import { requireConnectorId, requireSampledValuesFit } from "./bounds.ts";
import type { Handler, LogLine } from "./handler.ts";

/**
 * OCPP 1.6 §4.7. Every sampled value is stored once (replays are skipped by the store), in any timestamp
 * order. A transactionId we do not know for this station is logged and the values kept without it.
 */
export const meterValues: Handler<"MeterValues"> = async (state, request, ctx) => {
  requireConnectorId(request.connectorId, 0);
  requireSampledValuesFit(request.meterValue, "meterValue");
  const receivedAt = isoString(ctx.now);
  const log: LogLine[] = [];
  let transactionId: number | null = null;
  if (request.transactionId !== undefined) {
    const active = state.connectors.some((c) => c.transactionId === request.transactionId);
    const known = active ||
      (await ctx.lookups.getTransaction(request.transactionId))?.chargePointId === ctx.chargePointId;
    if (known) transactionId = request.transactionId;
    else {
      log.push({
        level: "warn",
        msg: "meter values for unknown transaction",
        fields: { transactionId: request.transactionId },
      });
    }
  }
  const rows = toMeterRows(
    ctx.chargePointId,
    request.connectorId,
    transactionId,
    request.meterValue,
    receivedAt,
  );
  return {
    response: {},
    changes: { meterValues: rows },
    // `stored` is what the commit found new (the shell fills it in).
    events: [{
      type: "meterValues",
      chargePointId: ctx.chargePointId,
      at: receivedAt,
      connectorId: request.connectorId,
      transactionId,
      stored: 0,
    }],
    log,
  };
};
