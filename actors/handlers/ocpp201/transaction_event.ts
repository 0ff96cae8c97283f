import { type SnapshotPatch, withoutReservation } from "../../../model/charge_point.ts";
import { setEvseTransaction } from "../../../model/evse.ts";
import { decideTransactionEvent } from "../../../model/transaction_event.ts";
import { OcppError } from "../../../protocol/ocppj/errors.ts";
import { isoString, toUtcIso } from "../../../protocol/ocppj/time.ts";
import { requireConnectorId } from "../bounds.ts";
import type { Changes, LogLine } from "../handler.ts";
import type { Handler201 } from "./handler.ts";
import { unknownIdTagEvents } from "../unknown_id_tag.ts";
import { idTagKey } from "../../../model/id_tag.ts";
import { reservationUse, usedBeforeAnswer } from "../../../model/reservation_holder.ts";
import type { TransactionRecord } from "../../../model/transaction.ts";
import { checkIdToken, type IdTokenInfo } from "./id_token.ts";
import { energyReadings, toMeterRows201 } from "./meter_rows.ts";

/**
 * OCPP 2.0.1 E01-E15. Stored in the same ledger as 1.6 transactions before we answer (the rules are
 * `decideTransactionEvent`'s: idempotent by seqNo, any order, Ended first). Always answered with a
 * CALLRESULT (except the first event of a transaction without an EVSE: a CALLERROR, nothing stored): a
 * replayed seqNo is answered as the first time, so an offline queue drains; the idToken, when
 * the event carries one, is checked again (the station may have authorized offline) and the transaction is
 * kept whatever the answer, because the car may already be charging.
 */
export const transactionEvent: Handler201<"TransactionEvent"> = async (state, request, ctx) => {
  const receivedAt = isoString(ctx.now);
  const info = request.transactionInfo;
  const evseId = request.evse?.id ?? null;
  if (evseId !== null) requireConnectorId(evseId, 0, "evse.id");
  if (request.evse?.connectorId !== undefined) {
    requireConnectorId(request.evse.connectorId, 0, "evse.connectorId");
  }
  let idTokenInfo: IdTokenInfo | null = null;
  let unknownToken = false;
  if (request.idToken) {
    ({ info: idTokenInfo, unknown: unknownToken } = await checkIdToken(
      ctx,
      request.idToken,
      evseId === null ? undefined : { chargePointId: ctx.chargePointId, connectorId: evseId },
    ));
  }
  const meterValues = request.meterValue ?? [];
  const { outcome, changes: decided } = await decideTransactionEvent({
    chargePointId: ctx.chargePointId,
    eventType: request.eventType,
    seqNo: request.seqNo,
    stationTransactionId: info.transactionId,
    evseId,
    timestamp: toUtcIso(request.timestamp),
    idToken: request.idToken?.idToken ?? null,
    idTokenStatus: idTokenInfo?.status ?? null,
    remoteStartId: info.remoteStartId ?? null,
    reservationId: request.reservationId ?? null,
    stoppedReason: info.stoppedReason ?? null,
    energy: energyReadings(meterValues),
    receivedAt,
  }, ctx.lookups);
  const { transaction } = outcome;
  const changes: Changes = { ...decided };
  const log: LogLine[] = [];
  const reservationsEnded: number[] = [];
  const fields = {
    transactionId: info.transactionId,
    seqNo: request.seqNo,
    eventType: request.eventType,
    triggerReason: request.triggerReason,
    offline: request.offline ?? false,
  };
  if (outcome.outcome === "replayed") {
    log.push({ level: "info", msg: "transaction event replayed", fields });
  } else if (outcome.outcome === "unplaced" && evseId === 0) {
    // EVSEType.id is "a number (> 0) designating an EVSE" (OCPP 2.0.1 Part 2); 0 is the station as a whole.
    throw new OcppError(
      "PropertyConstraintViolation",
      `Field "evse.id" must be greater than 0 for a transaction, got 0 (transaction "${info.transactionId}")`,
      { field: "evse.id", constraint: "minimum" },
    );
  } else if (outcome.outcome === "unplaced") {
    // The spec has the first event of a transaction name its EVSE; without it we cannot place it in the
    // ledger, and we never acknowledge what we did not store: the station hears why and keeps the event.
    throw new OcppError(
      "OccurenceConstraintViolation",
      `TransactionEvent of unknown transaction "${info.transactionId}" has no evse: the first event of a transaction must name its EVSE`,
      { transactionId: info.transactionId, seqNo: request.seqNo },
    );
  } else {
    log.push({
      level: "info",
      msg: "transaction event",
      fields: { ...fields, ledgerId: transaction?.transactionId },
    });
  }
  for (const old of outcome.superseded) {
    log.push({
      level: "warn",
      msg: "transaction superseded",
      fields: { transactionId: old.transactionId, supersededBy: transaction?.transactionId },
    });
  }
  if (transaction && outcome.outcome === "applied") {
    if (meterValues.length > 0) {
      changes.meterValues = toMeterRows201(
        ctx.chargePointId,
        transaction.connectorId,
        transaction.transactionId,
        meterValues,
        receivedAt,
      );
    }
    const open = transaction.status === "active";
    // A late event of an earlier session under the same id leaves the EVSE to the session the id names now.
    const evses = outcome.earlierSession ? state.evses ?? [] : setEvseTransaction(
      state.evses ?? [],
      info.transactionId,
      open ? transaction.connectorId : null,
      toUtcIso(request.timestamp),
      request.evse?.connectorId ?? 1,
    );
    const snapshot: SnapshotPatch = {};
    if (JSON.stringify(evses) !== JSON.stringify(state.evses ?? [])) snapshot.evses = evses;
    // H01, by 1.6's rule (§5.13): a transaction of the reservation's holder ends it, named or not; one naming
    // another holder's leaves it held (the ledger flags it: fleet/reservation_service.ts), so the reservation
    // guards keep refusing others there. One it names that a ReserveNow still waiting for its answer asked for
    // is used all the same (the station may take it before we hear its Accepted). Judged once a session: the
    // first event that knows both its holder and its reservation; stations may repeat the id in later events.
    const judged = outcome.stored !== null && outcome.stored.idTag !== "" &&
      outcome.stored.reservationId !== null;
    const asked = ctx.reservationsAsked ?? [];
    if (
      !judged && transaction.idTag !== null && ((state.reservations?.length ?? 0) > 0 || asked.length > 0)
    ) {
      const start = {
        connectorId: transaction.connectorId,
        idTag: transaction.idTag,
        parentIdTag: idTokenInfo?.groupIdToken?.idToken ?? null,
        reservationId: transaction.reservationId,
      };
      const { used, notHeld } = reservationUse(state.reservations ?? [], start);
      if (used) snapshot.reservations = withoutReservation(state, used.reservationId, receivedAt);
      const ended = used ?? usedBeforeAnswer(asked, notHeld, start);
      // Remembered by the shell: a ReserveNow of that id answered Accepted after this event holds nothing.
      if (ended) reservationsEnded.push(ended.reservationId);
      if (notHeld && request.reservationId !== undefined) {
        log.push({
          level: "warn",
          msg: "transaction names a reservation its idToken does not hold: not used",
          fields: {
            transactionId: info.transactionId,
            reservationId: notHeld.reservationId,
            reservedFor: notHeld.idTag,
            reservedEvseId: notHeld.connectorId,
          },
        });
      }
    }
    if (Object.keys(snapshot).length > 0) changes.snapshot = snapshot;
  }
  return {
    response: idTokenInfo ? { idTokenInfo } : {},
    changes,
    events: [
      ...(transaction && outcome.outcome === "applied"
        ? [{ type: "transaction" as const, chargePointId: ctx.chargePointId, at: receivedAt, transaction }]
        : []),
      // A replayed event told it the first time; so did an earlier event of the transaction carrying the same
      // token (stations may repeat it in every event): one presentation per transaction.
      ...(outcome.outcome === "replayed" || !request.idToken ||
          carriesToken(outcome.stored, request.idToken.idToken)
        ? []
        : unknownIdTagEvents(ctx, unknownToken, request.idToken.idToken, request.idToken.type)),
    ],
    log,
    ...(reservationsEnded.length ? { reservationsEnded } : {}),
  };
};

/** Whether the stored transaction already carries `idToken`, as its start's or its stop's token. */
function carriesToken(stored: TransactionRecord | null, idToken: string): boolean {
  if (stored === null) return false;
  const key = idTagKey(idToken);
  return idTagKey(stored.idTag) === key || (stored.stopIdTag !== null && idTagKey(stored.stopIdTag) === key);
}
