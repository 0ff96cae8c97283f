import { detachTransaction } from "../../model/connector_state.ts";
import { checkIdTag, type IdTagInfo } from "../../model/id_tag.ts";
import { toMeterRows } from "../../model/meter_value.ts";
import { decideStop } from "../../model/transaction.ts";
import type { RequestOf, ResponseOf } from "../../protocol/ocpp16/mod.ts";
import { isoString, toUtcIso } from "../../protocol/ocppj/time.ts";
import { requireSampledValuesFit } from "./bounds.ts";
import type { Changes, Handler, LogLine } from "./handler.ts";

/**
 * OCPP 1.6 §4.10. A valid stop is always answered with a CALLRESULT: an unknown transactionId (-1 included) is
 * kept as an orphan stop for review, and a replayed stop changes nothing (the rules are `decideStop`'s).
 * transactionData meter values are stored once; a reading too long to store refuses the stop (a CALLERROR the
 * station is told, rather than a stop stored without it).
 */
export const stopTransaction: Handler<"StopTransaction"> = async (state, request, ctx) => {
  requireSampledValuesFit(request.transactionData ?? [], "transactionData");
  const receivedAt = isoString(ctx.now);
  let idTagInfo: IdTagInfo | null = null;
  if (request.idTag !== undefined) {
    idTagInfo = await checkIdTag(ctx.lookups, request.idTag, { now: ctx.now, singleUse: false });
  }
  const transactionData = (request.transactionData ?? null) as RequestOf<
    "StopTransaction"
  >["transactionData"];
  const { outcome: { outcome, transaction }, changes: decided } = await decideStop({
    chargePointId: ctx.chargePointId,
    transactionId: request.transactionId,
    idTag: request.idTag ?? null,
    idTagStatus: idTagInfo?.status ?? null,
    meterStop: request.meterStop,
    timestamp: toUtcIso(request.timestamp),
    reason: request.reason ?? null,
    transactionData: transactionData ?? null,
    receivedAt,
  }, ctx.lookups);
  const changes: Changes = { ...decided };
  // A conflicting stop's readings are another session's: they stay with its orphan stop.
  if (transaction && outcome !== "conflicting" && transactionData && transactionData.length > 0) {
    changes.meterValues = toMeterRows(
      ctx.chargePointId,
      transaction.connectorId,
      transaction.transactionId,
      transactionData,
      receivedAt,
    );
  }
  const log: LogLine[] = [];
  if (outcome === "orphan") {
    log.push({
      level: "warn",
      msg: "orphan stop transaction",
      fields: { transactionId: request.transactionId, meterStop: request.meterStop },
    });
  } else if (outcome === "conflicting") {
    log.push({
      level: "warn",
      msg: "a different stop of a finished transaction: kept for review as an orphan stop",
      fields: {
        transactionId: request.transactionId,
        meterStop: request.meterStop,
        storedMeterStop: transaction?.meterStop,
      },
    });
  } else if (outcome === "replayed") {
    log.push({
      level: "info",
      msg: "stop transaction replayed",
      fields: { transactionId: request.transactionId },
    });
  } else if (transaction?.energyImplausible) {
    // Stored as sent, its energy unknown and the transaction flagged (`implausibleEnergy`): an operator should
    // look at the meter.
    log.push({
      level: "warn",
      msg: "transaction stopped with implausible meter readings: energy unknown, flagged",
      fields: {
        transactionId: request.transactionId,
        reason: transaction.energyImplausible.reason,
        meterStart: transaction.meterStart,
        meterStop: transaction.meterStop,
      },
    });
  } else {
    log.push({
      level: "info",
      msg: "transaction stopped",
      fields: { transactionId: request.transactionId, energyWh: transaction?.energyWh },
    });
  }
  if (transaction) {
    const connectors = detachTransaction(state.connectors, transaction.transactionId);
    const changed = connectors.length !== state.connectors.length ||
      connectors.some((c, i) => c !== state.connectors[i]);
    if (changed) changes.snapshot = { connectors };
  }
  const response: ResponseOf<"StopTransaction"> = {};
  if (idTagInfo) response.idTagInfo = idTagInfo;
  return {
    response,
    changes,
    events: transaction && outcome === "stopped"
      ? [{ type: "transaction", chargePointId: ctx.chargePointId, at: receivedAt, transaction }]
      : [],
    log,
  };
};
