import { isoString } from "../../../protocol/ocppj/time.ts";
import { requireConnectorId } from "../bounds.ts";
import type { Handler201 } from "./handler.ts";
import { toMeterRows201 } from "./meter_rows.ts";

/**
 * OCPP 2.0.1 J01: meter values outside a transaction (transaction meter values come with TransactionEvent),
 * stored once under their natural key.
 */
export const meterValues: Handler201<"MeterValues"> = (_state, request, ctx) => {
  requireConnectorId(request.evseId, 0, "evseId");
  const at = isoString(ctx.now);
  return {
    response: {},
    changes: {
      meterValues: toMeterRows201(ctx.chargePointId, request.evseId, null, request.meterValue, at),
    },
    events: [{
      type: "meterValues",
      chargePointId: ctx.chargePointId,
      at,
      connectorId: request.evseId,
      transactionId: null,
      stored: 0,
    }],
  };
};
