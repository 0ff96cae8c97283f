import { toUtcIso } from "../../protocol/ocppj/time.ts";
import type { RequestOf, ResponseOf } from "../../protocol/ocpp16/mod.ts";
import { checkIdTag, type IdTagInfo } from "../authorization.ts";
import { detachTransaction } from "../connector_state.ts";
import { toMeterRows } from "../meter_rows.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.10. Always answered with a CALLRESULT: an unknown transactionId (-1 included) is kept as an
 * orphan stop for review, and a replayed stop changes nothing. transactionData meter values are stored once.
 */
export const stopTransaction: Handler<"StopTransaction"> = async (ctx, request) => {
  const { store } = ctx.deps;
  const receivedAt = ctx.receivedAt.toISOString();
  let idTagInfo: IdTagInfo | null = null;
  if (request.idTag !== undefined) {
    idTagInfo = await checkIdTag(store, request.idTag, { now: ctx.receivedAt, singleUse: false });
  }
  const transactionData = (request.transactionData ?? null) as RequestOf<
    "StopTransaction"
  >["transactionData"];
  const { outcome, transaction } = await store.stopTransaction({
    chargePointId: ctx.chargePointId,
    transactionId: request.transactionId,
    idTag: request.idTag ?? null,
    idTagStatus: idTagInfo?.status ?? null,
    meterStop: request.meterStop,
    timestamp: toUtcIso(request.timestamp),
    reason: request.reason ?? null,
    transactionData: transactionData ?? null,
    receivedAt,
  });
  if (transaction && transactionData && transactionData.length > 0) {
    const rows = toMeterRows(
      ctx.chargePointId,
      transaction.connectorId,
      transaction.transactionId,
      transactionData,
      receivedAt,
    );
    await store.addMeterValues(rows);
  }
  if (outcome === "orphan") {
    ctx.log.warn("orphan stop transaction", {
      transactionId: request.transactionId,
      meterStop: request.meterStop,
    });
  } else if (outcome === "replayed") {
    ctx.log.info("stop transaction replayed", { transactionId: request.transactionId });
  } else {
    ctx.log.info("transaction stopped", {
      transactionId: request.transactionId,
      energyWh: transaction?.energyWh,
    });
  }
  if (transaction) {
    const connectors = detachTransaction(ctx.record.connectors, transaction.transactionId);
    if (connectors.some((c, i) => c !== ctx.record.connectors[i])) {
      ctx.record.connectors = connectors;
      await ctx.save();
    }
    if (outcome === "stopped") {
      ctx.deps.events.publish({
        type: "transaction",
        chargePointId: ctx.chargePointId,
        at: receivedAt,
        transaction,
      });
    }
  }
  const response: ResponseOf<"StopTransaction"> = {};
  if (idTagInfo) response.idTagInfo = idTagInfo;
  return response;
};
