import { type SnapshotPatch, withoutReservation } from "../../model/charge_point.ts";
import { attachTransaction, detachTransaction } from "../../model/connector_state.ts";
import { judgeIdTag } from "../../model/id_tag.ts";
import { reservationUse, usedBeforeAnswer } from "../../model/reservation_holder.ts";
import { decideStart } from "../../model/transaction.ts";
import { isoString, toUtcIso } from "../../protocol/ocppj/time.ts";
import { requireConnectorId } from "./bounds.ts";
import type { Handler, LogLine } from "./handler.ts";
import { unknownIdTagEvents } from "./unknown_id_tag.ts";

/**
 * OCPP 1.6 §4.8. The transaction is stored before we answer; the idTag is checked again (the station may
 * have authorized offline) and the transaction is kept even when the tag is not Accepted, because the car may
 * already be charging. A replayed start gets the same transactionId and the same idTagInfo status (the rules
 * are `decideStart`'s). It ends the reservation its tag holds there (`model/reservation_holder.ts`); one it names
 * for another tag stays (the fleet's ledger flags the transaction). One it names that a ReserveNow still waiting
 * for its answer asked for is used all the same: the station may take a reservation before we hear its Accepted.
 */
export const startTransaction: Handler<"StartTransaction"> = async (state, request, ctx) => {
  requireConnectorId(request.connectorId, 1);
  const receivedAt = isoString(ctx.now);
  const { info: idTagInfo, unknown } = await judgeIdTag(ctx.lookups, request.idTag, {
    now: ctx.now,
    singleUse: ctx.settings.singleUseIdTags,
    ignoreActiveOn: { chargePointId: ctx.chargePointId, connectorId: request.connectorId },
  });
  const { outcome, changes } = await decideStart({
    chargePointId: ctx.chargePointId,
    connectorId: request.connectorId,
    idTag: request.idTag,
    idTagStatus: idTagInfo.status,
    meterStart: request.meterStart,
    timestamp: toUtcIso(request.timestamp),
    reservationId: request.reservationId ?? null,
    receivedAt,
  }, ctx.lookups);
  const { transaction } = outcome;
  const log: LogLine[] = [];
  let connectors = state.connectors;
  for (const old of outcome.superseded) {
    log.push({
      level: "warn",
      msg: "transaction superseded",
      fields: {
        transactionId: old.transactionId,
        supersededBy: transaction.transactionId,
        connectorId: old.connectorId,
      },
    });
    connectors = detachTransaction(connectors, old.transactionId);
  }
  if (outcome.runningSince) {
    log.push({
      level: "warn",
      msg: "transaction started before the session running on its connector: stored superseded by it",
      fields: {
        transactionId: transaction.transactionId,
        running: outcome.runningSince.transactionId,
        connectorId: transaction.connectorId,
      },
    });
  } else if (transaction.status === "active") {
    // A connector never reported gets the start's time, on the station's clock as its statuses will be.
    connectors = attachTransaction(
      connectors,
      transaction.connectorId,
      transaction.transactionId,
      transaction.startTimestamp,
    );
  }
  const snapshot: SnapshotPatch = { connectors };
  // OCPP 1.6 §5.13: a start of its holder ends the reservation (named or not).
  const { used, notHeld } = reservationUse(state.reservations ?? [], {
    connectorId: request.connectorId,
    idTag: request.idTag,
    parentIdTag: idTagInfo.parentIdTag ?? null,
    reservationId: request.reservationId ?? null,
  });
  if (used) snapshot.reservations = withoutReservation(state, used.reservationId, receivedAt);
  const usedAsked = usedBeforeAnswer(ctx.reservationsAsked, used ?? notHeld, {
    connectorId: request.connectorId,
    idTag: request.idTag,
    parentIdTag: idTagInfo.parentIdTag ?? null,
    reservationId: request.reservationId ?? null,
  });
  if (notHeld && !outcome.replayed) {
    log.push({
      level: "warn",
      msg: "start names a reservation its id tag does not hold: not used",
      fields: {
        transactionId: transaction.transactionId,
        reservationId: notHeld.reservationId,
        reservedFor: notHeld.idTag,
        reservedConnectorId: notHeld.connectorId,
      },
    });
  }
  log.push(
    outcome.replayed
      ? {
        level: "info",
        msg: "start transaction replayed",
        fields: { transactionId: transaction.transactionId },
      }
      : {
        level: "info",
        msg: "transaction started",
        fields: {
          transactionId: transaction.transactionId,
          connectorId: transaction.connectorId,
          idTagStatus: idTagInfo.status,
        },
      },
  );
  return {
    response: {
      transactionId: transaction.transactionId,
      idTagInfo: { ...idTagInfo, status: outcome.replayed ? transaction.startIdTagStatus : idTagInfo.status },
    },
    changes: { ...changes, snapshot },
    events: [
      { type: "transaction", chargePointId: ctx.chargePointId, at: receivedAt, transaction },
      // A replayed start told it the first time.
      ...(outcome.replayed ? [] : unknownIdTagEvents(ctx, unknown, request.idTag, null)),
    ],
    log,
    // Remembered by the shell: a ReserveNow of that id answered Accepted after this start holds nothing.
    ...(!outcome.replayed && (used || usedAsked)
      ? { reservationsEnded: [(used ?? usedAsked)!.reservationId] }
      : {}),
  };
};
