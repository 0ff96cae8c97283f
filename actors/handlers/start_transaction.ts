import { toUtcIso } from "../../protocol/ocppj/time.ts";
import { checkIdTag } from "../authorization.ts";
import { withoutReservation } from "../command_effects.ts";
import { attachTransaction, detachTransaction } from "../connector_state.ts";
import { requireConnectorId, requireExactInteger } from "./bounds.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.8. The transaction is stored before we answer; the idTag is checked again (the station may
 * have authorized offline) and the transaction is kept even when the tag is not Accepted, because the car may
 * already be charging. A replayed start gets the same transactionId and the same idTagInfo status.
 */
export const startTransaction: Handler<"StartTransaction"> = async (ctx, request) => {
  requireConnectorId(request.connectorId, 1);
  requireExactInteger("meterStart", request.meterStart);
  const { store, settings } = ctx.deps;
  const receivedAt = ctx.receivedAt.toISOString();
  const idTagInfo = await checkIdTag(store, request.idTag, {
    now: ctx.receivedAt,
    singleUse: settings.singleUseIdTags,
    ignoreActiveOn: { chargePointId: ctx.chargePointId, connectorId: request.connectorId },
  });
  const outcome = await store.startTransaction({
    chargePointId: ctx.chargePointId,
    connectorId: request.connectorId,
    idTag: request.idTag,
    idTagStatus: idTagInfo.status,
    meterStart: request.meterStart,
    timestamp: toUtcIso(request.timestamp),
    reservationId: request.reservationId ?? null,
    receivedAt,
  });
  const { transaction } = outcome;
  let connectors = ctx.record.connectors;
  for (const old of outcome.superseded) {
    ctx.log.warn("transaction superseded", {
      transactionId: old.transactionId,
      supersededBy: transaction.transactionId,
      connectorId: old.connectorId,
    });
    connectors = detachTransaction(connectors, old.transactionId);
  }
  if (transaction.status === "active") {
    connectors = attachTransaction(
      connectors,
      transaction.connectorId,
      transaction.transactionId,
      receivedAt,
    );
  }
  ctx.record.connectors = connectors;
  // A start with a reservationId uses that reservation up (OCPP 1.6 §5.13).
  if (request.reservationId !== undefined && ctx.record.reservations) {
    ctx.record.reservations = withoutReservation(ctx.record, request.reservationId);
  }
  await ctx.save();
  if (outcome.replayed) {
    ctx.log.info("start transaction replayed", { transactionId: transaction.transactionId });
  } else {
    ctx.log.info("transaction started", {
      transactionId: transaction.transactionId,
      connectorId: transaction.connectorId,
      idTagStatus: idTagInfo.status,
    });
  }
  ctx.deps.events.publish({
    type: "transaction",
    chargePointId: ctx.chargePointId,
    at: receivedAt,
    transaction,
  });
  return {
    transactionId: transaction.transactionId,
    idTagInfo: { ...idTagInfo, status: outcome.replayed ? transaction.startIdTagStatus : idTagInfo.status },
  };
};
