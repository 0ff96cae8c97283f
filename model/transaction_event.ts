/**
 * OCPP 2.0.1 TransactionEvent (OCPP 2.0.1 Part 2 E01-E15) in the same ledger as OCPP 1.6 transactions:
 *
 * - a transaction is the station's string `transactionId`, kept as `stationTransactionId`; the ledger gives it
 *   one of our integer ids when its first event arrives (whatever its eventType), so lists, CSV, charts and
 *   energy work for both dialects alike; the EVSE id stands where 1.6 has the connector id;
 * - events are idempotent by (transactionId, seqNo): a seqNo already stored changes nothing (a replay after a
 *   reconnect), any other is applied whatever its order (an offline queue may arrive shuffled);
 * - `Started` fills in the start (idToken, Transaction.Begin reading, timestamp) even when it arrives after
 *   later events; `Ended` finishes the transaction, once (or replaces an operator's close by hand); an event
 *   after the end only records its seqNo;
 * - a new transaction on an EVSE with another active one supersedes it, as a 1.6 start does; one that began
 *   before the active one (delivered late) is stored superseded by it instead;
 * - a `Started` under the id of a transaction that ended before it began, or began before it (a station that
 *   counts its ids from the start again after a reset, which may have lost that session: no Ended comes) is a
 *   new transaction (`stationIdReuse`), which the id names from then on:
 *   its replays are told by its own seqNos; the old session's replays, older than its start, by theirs.
 *
 * Pure: decides from lookups and returns the changes to commit.
 */
import { hasSeqNo, storedSeqNos, withSeqNo } from "./seq_no_ranges.ts";
import type { AuthorizationStatus } from "../protocol/ocpp16/enums.ts";
import type { StationChanges } from "./changes.ts";
import type { Lookups } from "./lookups.ts";
import {
  CLOSED_BY_OPERATOR,
  flagsIfAny,
  implausibleEnergyFlag,
  latestStartedAfter,
  plausibleAgainFlags,
  type TransactionRecord,
  withEnergy,
} from "./transaction.ts";

export interface TransactionEventInput {
  chargePointId: string;
  eventType: "Started" | "Updated" | "Ended";
  seqNo: number;
  stationTransactionId: string;
  /** The EVSE, when the event names one (the first event of a transaction must). */
  evseId: number | null;
  /** The event's time, UTC ISO. */
  timestamp: string;
  idToken: string | null;
  /** What the idToken was checked to, when there is one. */
  idTokenStatus: AuthorizationStatus | null;
  remoteStartId: number | null;
  reservationId: number | null;
  stoppedReason: string | null;
  /** Energy.Active.Import.Register readings of the event, in Wh. */
  energy: EnergyReadings;
  receivedAt: string;
}

/** Register readings in Wh: the Transaction.Begin / Transaction.End ones and the latest of any context. */
export interface EnergyReadings {
  begin: number | null;
  end: number | null;
  latest: number | null;
}

export interface TransactionEventOutcome {
  /**
   * replayed: the seqNo was stored already; applied: stored now; unplaced: the first event of a transaction
   * we do not know names no EVSE, so it cannot be placed in the ledger (answered, logged).
   */
  outcome: "applied" | "replayed" | "unplaced";
  transaction: TransactionRecord | null;
  /** Transactions this one superseded on its EVSE. */
  superseded: TransactionRecord[];
  /** The transaction as stored before this event; null when this event is the first we hear of it. */
  stored: TransactionRecord | null;
  /** The event is of an earlier session under an id the station used again: the EVSE is the newest's. */
  earlierSession?: true;
}

type TransactionChanges = Pick<
  StationChanges,
  "transactionsStarted" | "transactionUpdates" | "transactionFlags" | "transactionFlagsCleared"
>;

/**
 * @example
 * ```ts ignore
 * const { outcome, changes } = await decideTransactionEvent(input, lookups);
 * // commit `changes`; on a conflict, decide again
 * ```
 */
export async function decideTransactionEvent(
  input: TransactionEventInput,
  lookups: Pick<Lookups, "findTransactionByStationId" | "findActiveTransactionsOn" | "newTransactionId">,
): Promise<{ outcome: TransactionEventOutcome; changes: TransactionChanges }> {
  const newest = await lookups.findTransactionByStationId(input.chargePointId, input.stationTransactionId);
  let current = newest;
  // An event timed before the start of the session the id names now is an earlier session's (a late one);
  // only the newest may be followed by a new session.
  while (current?.stationIdReuse && input.timestamp < current.startTimestamp) {
    const earlier = await lookups.findTransactionByStationId(
      input.chargePointId,
      input.stationTransactionId,
      current.stationIdReuse - 1,
    );
    if (!earlier) break;
    current = earlier;
  }
  if (current && (current !== newest || !startsAgain(current, input))) {
    if (hasSeqNo(storedSeqNos(current), input.seqNo)) {
      return {
        outcome: { outcome: "replayed", transaction: current, superseded: [], stored: current },
        changes: {},
      };
    }
    const next = applyEvent(current, input);
    return {
      outcome: {
        outcome: "applied",
        transaction: next,
        superseded: [],
        stored: current,
        ...(current !== newest ? { earlierSession: true as const } : {}),
      },
      changes: {
        transactionUpdates: [{ transaction: next, expectedStatus: current.status }],
        ...flagsIfAny(stopFlags(current, next, input.receivedAt), plausibleAgainFlags(current, next)),
      },
    };
  }
  if (input.evseId === null || input.evseId < 1) {
    return {
      outcome: { outcome: "unplaced", transaction: null, superseded: [], stored: null },
      changes: {},
    };
  }
  const transactionId = await lookups.newTransactionId();
  const opened = openedTransaction(input, input.evseId, transactionId);
  if (newest) opened.stationIdReuse = (newest.stationIdReuse ?? 0) + 1;
  let created = applyEvent(opened, input);
  const running = created.status !== "active" ? [] : (await lookups.findActiveTransactionsOn(
    input.chargePointId,
    input.evseId,
  )).filter((t) => t.status === "active");
  // An old transaction delivered late (a shuffled offline queue): the one that began after it keeps the EVSE.
  const runningSince = latestStartedAfter(running, created.startTimestamp, input.receivedAt);
  if (runningSince) created = { ...created, status: "superseded", supersededBy: runningSince.transactionId };
  const superseded = runningSince ? [] : running
    .map((t): TransactionRecord => ({ ...t, status: "superseded", supersededBy: transactionId }));
  return {
    outcome: { outcome: "applied", transaction: created, superseded, stored: null },
    changes: {
      transactionsStarted: [created],
      transactionUpdates: superseded.map((t) => ({ transaction: t, expectedStatus: "active" as const })),
      ...flagsIfAny(stopFlags(null, created, input.receivedAt)),
    },
  };
}

/**
 * Whether `input` starts a new session under the id of `current`: a `Started` timed after the end of the one
 * the id names, or after its start (a session the station's reset left open, never Ended, or superseded). A
 * replay of that one's start carries its start's time; its own start delivered late, after other events,
 * comes before them, so before the time they opened the record with.
 */
function startsAgain(current: TransactionRecord, input: TransactionEventInput): boolean {
  if (input.eventType !== "Started") return false;
  if (
    current.status === "finished" && current.stopTimestamp !== null && input.timestamp > current.stopTimestamp
  ) {
    return true;
  }
  return input.timestamp > current.startTimestamp;
}

/** The ledger record a station's transaction gets when we first hear of it (any event), active. */
function openedTransaction(
  input: TransactionEventInput,
  evseId: number,
  transactionId: number,
): TransactionRecord {
  // An Ended heard first carries the stop's reading, not the start's: the start stays unknown until an
  // earlier event's reading stands in.
  const reading = input.energy.begin ?? (input.eventType === "Ended" ? null : input.energy.latest);
  return {
    transactionId,
    chargePointId: input.chargePointId,
    connectorId: evseId,
    idTag: input.idToken ?? "",
    startIdTagStatus: input.idTokenStatus ?? "Accepted",
    meterStart: reading ?? 0,
    startTimestamp: input.timestamp,
    reservationId: input.reservationId,
    status: "active",
    supersededBy: null,
    meterStop: null,
    stopTimestamp: null,
    stopReason: null,
    stopIdTag: null,
    energyWh: null,
    createdAt: input.receivedAt,
    stoppedAt: null,
    stationTransactionId: input.stationTransactionId,
    seqNoRanges: [],
    ...(reading === null ? { meterStartUnknown: true as const } : {}),
  };
}

/** The highest of an event's readings and the one stored; null when neither is known. */
function highestReading(energy: EnergyReadings, stored: number | undefined): number | null {
  const readings = [energy.begin, energy.end, energy.latest, stored ?? null].filter((r) => r !== null);
  return readings.length === 0 ? null : Math.max(...readings);
}

/** `tx` with one new event applied (its seqNo recorded). */
function applyEvent(tx: TransactionRecord, input: TransactionEventInput): TransactionRecord {
  const { seqNos: _listed, meterStartUnknown: _unknown, ...rest } = tx;
  const next: TransactionRecord = { ...rest, seqNoRanges: withSeqNo(storedSeqNos(tx), input.seqNo) };
  // Still without a start reading: the first reading after the start stands in for it (an Ended event's
  // reading is the stop's, not the start's).
  let startUnknown = tx.meterStartUnknown === true;
  const reading = input.energy.begin ?? input.energy.latest;
  if (startUnknown && reading !== null && input.eventType === "Updated") {
    next.meterStart = reading;
    startUnknown = false;
  }
  if (input.remoteStartId !== null) next.remoteStartId = input.remoteStartId;
  if (input.reservationId !== null && next.reservationId === null) next.reservationId = input.reservationId;
  if (input.idToken !== null && next.idTag === "") {
    next.idTag = input.idToken;
    next.startIdTagStatus = input.idTokenStatus ?? next.startIdTagStatus;
  }
  if (input.eventType === "Started") {
    // The start may arrive after later events: it knows the start best.
    next.startTimestamp = input.timestamp;
    if (reading !== null) {
      next.meterStart = reading;
      startUnknown = false;
    }
    if (input.idToken !== null) {
      next.idTag = input.idToken;
      next.startIdTagStatus = input.idTokenStatus ?? next.startIdTagStatus;
    }
  }
  if (startUnknown) next.meterStartUnknown = true;
  const highest = highestReading(input.energy, tx.highestReading);
  if (highest !== null) next.highestReading = highest;
  // An Updated timed before the end that arrives after it (a shuffled queue) raises a stop taken without a
  // reading of its own; a register only grows, so one the Ended carried is never below such a reading. (A
  // late Started's reading is the start's: one above the stop is a replaced meter, its energy unknown.)
  const late = highestReading(input.energy, undefined);
  if (
    input.eventType === "Updated" && tx.status === "finished" && tx.meterStop !== null && late !== null &&
    late > tx.meterStop && tx.stopTimestamp !== null && input.timestamp <= tx.stopTimestamp
  ) next.meterStop = late;
  // An operator closed it by hand with an estimate; the station's own end, when it comes, is the truth and
  // replaces it (the operator's values stay in the transaction's flag), as a 1.6 StopTransaction does.
  const closedByHand = tx.status === "finished" && tx.stopReason === CLOSED_BY_OPERATOR;
  if (input.eventType === "Ended" && (next.status !== "finished" || closedByHand)) {
    // Without a reading of its own, the end is the highest reading heard (Updated events'), else the start.
    const meterStop = input.energy.end ?? input.energy.latest ?? next.highestReading ?? next.meterStart;
    next.status = "finished";
    next.meterStop = meterStop;
    next.stopTimestamp = input.timestamp;
    next.stopReason = input.stoppedReason ?? "Local";
    next.stopIdTag = input.idToken;
    next.stoppedAt = input.receivedAt;
  }
  return withEnergy(next);
}

/** The implausible-energy flag, when this event stopped the transaction or moved its stop reading. */
function stopFlags(before: TransactionRecord | null, next: TransactionRecord, at: string) {
  if (next.meterStop === null || (before?.meterStop === next.meterStop && before.status === next.status)) {
    return [];
  }
  return implausibleEnergyFlag(next, at);
}
