/**
 * Transactions and the rules that keep them right, written once for every store (OCPP 1.6 §4.8, §4.10):
 *
 * - a replayed StartTransaction (same station, connector, idTag, meterStart and timestamp) gets the
 *   transaction it created the first time, with the same idTagInfo status;
 * - a new start on a connector with an active transaction supersedes it (kept for review, never deleted);
 * - a StopTransaction of an unknown id (or of another station's) is kept as an orphan stop, once;
 * - a replayed stop changes nothing; a superseded transaction still finishes when its late stop arrives;
 * - a transaction an operator closed by hand takes the station's own stop when it arrives.
 *
 * The rules decide from lookups and return the changes to commit; the stores only offer atomic primitives
 * (a unique replay key, a status guard, natural keys) that make a concurrent writer show up as a conflict.
 */
import type { SeqNoRanges } from "./seq_no_ranges.ts";
import type { AuthorizationStatus } from "../protocol/ocpp16/enums.ts";
import type { StationChanges } from "./changes.ts";
import type { Lookups } from "./lookups.ts";
import { type ImplausibleEnergy, implausibleEnergy } from "./energy_plausibility.ts";
import type { TransactionFlag, TransactionFlagKey } from "./transaction_flag.ts";

type EnergyReadings = Parameters<typeof implausibleEnergy>[0];

/** The stop reason of a transaction an operator closed by hand (not an OCPP 1.6 Reason). */
export const CLOSED_BY_OPERATOR = "ClosedByOperator";

/**
 * - active: started, not stopped;
 * - superseded: a newer StartTransaction on the same connector closed it (kept for review);
 * - finished: a StopTransaction completed it (a superseded one still finishes when its late stop arrives,
 *   and keeps `supersededBy`).
 */
export type TransactionStatus = "active" | "superseded" | "finished";

export interface TransactionRecord {
  transactionId: number;
  chargePointId: string;
  connectorId: number;
  idTag: string;
  /** The idTagInfo.status we answered StartTransaction with. */
  startIdTagStatus: AuthorizationStatus;
  meterStart: number;
  startTimestamp: string;
  reservationId: number | null;
  status: TransactionStatus;
  supersededBy: number | null;
  meterStop: number | null;
  stopTimestamp: string | null;
  stopReason: string | null;
  stopIdTag: string | null;
  /**
   * meterStop - meterStart, in Wh; null while not stopped, or when the readings are implausible
   * (`energyOfTransaction`).
   */
  energyWh: number | null;
  /**
   * Why its readings cannot be a real meter's (`implausibleEnergy`); absent when they can. Derived from the
   * readings, never stored apart from them.
   */
  energyImplausible?: ImplausibleEnergy;
  /** The start's receivedAt. */
  createdAt: string;
  /** The stop's receivedAt. */
  stoppedAt: string | null;
  /**
   * OCPP 2.0.1: the station's own transactionId (a string it chose). Unique per station with
   * `stationIdReuse`; our integer `transactionId` is the ledger's key for both dialects.
   */
  stationTransactionId?: string;
  /**
   * OCPP 2.0.1: how many transactions of this station had its `stationTransactionId` before it (a station that
   * counts from the start again after a reset); absent: none. The newest is the one the id names now.
   */
  stationIdReuse?: number;
  /** OCPP 2.0.1: the seqNos of the TransactionEvents stored for it, as ranges (a replayed seqNo changes nothing). */
  seqNoRanges?: SeqNoRanges;
  /**
   * OCPP 2.0.1, a KV record written before seqNoRanges (until its next event): every seqNo stored, one by one.
   * Read through `storedSeqNos`.
   */
  seqNos?: number[];
  /** OCPP 2.0.1: the remoteStartId of the RequestStartTransaction that started it. */
  remoteStartId?: number;
  /**
   * OCPP 2.0.1: no energy register reading came with its start, so `meterStart` (0) is not a reading: the
   * first reading of a later Updated event takes its place; ended still so, its energy is unknown (null).
   */
  meterStartUnknown?: true;
  /**
   * OCPP 2.0.1: the highest energy register reading its events brought (a register only grows): an Ended
   * event without a reading stops at it, not at the start.
   */
  highestReading?: number;
}

export interface OrphanStopRecord {
  /** Stable key: chargePointId, transactionId, timestamp and meterStop. */
  id: string;
  chargePointId: string;
  transactionId: number;
  idTag: string | null;
  meterStop: number;
  timestamp: string;
  reason: string | null;
  transactionData: unknown[] | null;
  receivedAt: string;
}

export interface StartTransactionInput {
  chargePointId: string;
  connectorId: number;
  idTag: string;
  idTagStatus: AuthorizationStatus;
  meterStart: number;
  timestamp: string;
  reservationId: number | null;
  receivedAt: string;
}

/** What makes two starts the same start: a replay carries the same values. */
export type StartKey = Pick<
  StartTransactionInput,
  "chargePointId" | "connectorId" | "idTag" | "meterStart" | "timestamp"
>;

export interface StartTransactionOutcome {
  transaction: TransactionRecord;
  /** True when this was a replay of a start we already have: nothing was created. */
  replayed: boolean;
  /** Transactions this start closed as superseded (open ones on the same connector that started before it). */
  superseded: TransactionRecord[];
  /**
   * The session running on the connector that started after this one (an old start delivered late, from an
   * offline queue): it stays active and keeps the connector, and this one is stored superseded by it; null
   * when there is none.
   */
  runningSince: TransactionRecord | null;
}

export interface StopTransactionInput {
  chargePointId: string;
  /** As the station sent it: may be -1 or unknown. */
  transactionId: number;
  idTag: string | null;
  idTagStatus: AuthorizationStatus | null;
  meterStop: number;
  timestamp: string;
  reason: string | null;
  /** The raw transactionData, kept on orphan stops so nothing is lost. */
  transactionData: unknown[] | null;
  receivedAt: string;
}

export interface StopTransactionOutcome {
  /**
   * stopped: completed now; replayed: it was already stopped so, nothing changed; orphan: unknown id, kept;
   * conflicting: it was already stopped otherwise (another reading or time), this stop kept as an orphan.
   */
  outcome: "stopped" | "replayed" | "orphan" | "conflicting";
  transaction: TransactionRecord | null;
}

/** transactionId is a 32-bit signed integer on the wire (OCPP 1.6 StartTransaction.conf). */
export const MAX_TRANSACTION_ID = 2 ** 31 - 1;

/** True for an id a store may hold: what we hand out is 1 ..= MAX_TRANSACTION_ID. */
export function isTransactionId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= MAX_TRANSACTION_ID;
}

type TransactionChanges = Pick<
  StationChanges,
  | "transactionsStarted"
  | "transactionUpdates"
  | "orphanStops"
  | "transactionFlags"
  | "transactionFlagsCleared"
>;

export interface Decision<O> {
  outcome: O;
  changes: TransactionChanges;
}

/**
 * A StartTransaction: the replayed transaction, or a new one (its id allocated now) that supersedes what is
 * active on the connector; an old start delivered after a later session began is stored superseded by that
 * session instead.
 *
 * @example
 * ```ts ignore
 * const { outcome, changes } = await decideStart(input, lookups);
 * // commit `changes`; on a conflict, decide again
 * ```
 */
export async function decideStart(
  input: StartTransactionInput,
  lookups: Pick<Lookups, "findTransactionByStart" | "findActiveTransactionsOn" | "newTransactionId">,
): Promise<Decision<StartTransactionOutcome>> {
  const replayed = await lookups.findTransactionByStart(input);
  if (replayed) {
    return {
      outcome: { transaction: replayed, replayed: true, superseded: [], runningSince: null },
      changes: {},
    };
  }
  const open = (await lookups.findActiveTransactionsOn(input.chargePointId, input.connectorId))
    .filter((t) => t.status === "active");
  const transactionId = await lookups.newTransactionId();
  const runningSince = latestStartedAfter(open, input.timestamp, input.receivedAt);
  if (runningSince) {
    // An old start delivered late: the session that began after it superseded it (the station moved on), so
    // it is kept so, and its own stop, when it comes, finishes it.
    const transaction: TransactionRecord = {
      ...startedTransaction(input, transactionId),
      status: "superseded",
      supersededBy: runningSince.transactionId,
    };
    return {
      outcome: { transaction, replayed: false, superseded: [], runningSince },
      changes: { transactionsStarted: [transaction] },
    };
  }
  const transaction = startedTransaction(input, transactionId);
  const superseded = open
    .filter((t) => t.transactionId !== transactionId)
    .map((t): TransactionRecord => ({ ...t, status: "superseded", supersededBy: transactionId }))
    .sort((a, b) => a.transactionId - b.transactionId);
  return {
    outcome: { transaction, replayed: false, superseded, runningSince },
    changes: {
      transactionsStarted: [transaction],
      transactionUpdates: superseded.map((t) => ({ transaction: t, expectedStatus: "active" })),
    },
  };
}

/**
 * How far ahead of our clock a running session's start may be and still count as started: a station's clock a
 * little ahead of ours is common; a start timed far ahead (a clock that jumped, a year typed wrong) must not
 * hold the connector against every later start.
 */
const START_AHEAD_TOLERANCE_MS = 5 * 60_000;

/**
 * Of the running sessions, the latest that began after a start at `timestamp` (on the station's clock) and
 * not in our future, or null: when there is one, that start is an old one delivered late (1.6
 * StartTransaction, 2.0.1 TransactionEvent).
 */
export function latestStartedAfter(
  running: readonly TransactionRecord[],
  timestamp: string,
  receivedAt: string,
): TransactionRecord | null {
  const latestAllowed = Date.parse(receivedAt) + START_AHEAD_TOLERANCE_MS;
  return running.filter((t) => t.startTimestamp > timestamp && Date.parse(t.startTimestamp) <= latestAllowed)
    .sort((a, b) => b.startTimestamp.localeCompare(a.startTimestamp))[0] ?? null;
}

/** The transaction a start creates, active, with the id allocated for it. */
export function startedTransaction(input: StartTransactionInput, transactionId: number): TransactionRecord {
  return withEnergy({
    transactionId,
    chargePointId: input.chargePointId,
    connectorId: input.connectorId,
    idTag: input.idTag,
    startIdTagStatus: input.idTagStatus,
    meterStart: input.meterStart,
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
  });
}

/**
 * A StopTransaction: completes the transaction, or changes nothing for a replay, or keeps an orphan stop
 * (unknown id, -1 included, another station's transaction, or a different stop of a finished one).
 */
export async function decideStop(
  input: StopTransactionInput,
  lookups: Pick<Lookups, "getTransaction">,
): Promise<Decision<StopTransactionOutcome>> {
  const current = isTransactionId(input.transactionId)
    ? await lookups.getTransaction(input.transactionId)
    : null;
  if (!current || current.chargePointId !== input.chargePointId) {
    return {
      outcome: { outcome: "orphan", transaction: null },
      changes: { orphanStops: [orphanStop(input)] },
    };
  }
  // A transaction an operator closed by hand is finished with their estimate; the station's own stop, when it
  // comes, is the truth and replaces it (the operator's values stay in the transaction's flag).
  const closedByHand = current.status === "finished" && current.stopReason === CLOSED_BY_OPERATOR &&
    input.reason !== CLOSED_BY_OPERATOR;
  if (current.status === "finished" && !closedByHand) {
    if (current.meterStop === input.meterStop && current.stopTimestamp === input.timestamp) {
      return { outcome: { outcome: "replayed", transaction: current }, changes: {} };
    }
    // Another stop of a finished transaction: a new session whose start matched this one's (a station without
    // a clock, its meter from 0) and so was answered with its id, or firmware stopping twice. The first stop
    // stands; this one is kept for review with its readings, never dropped.
    return {
      outcome: { outcome: "conflicting", transaction: current },
      changes: { orphanStops: [orphanStop(input)] },
    };
  }
  const done: TransactionRecord = withEnergy({
    ...current,
    status: "finished",
    meterStop: input.meterStop,
    stopTimestamp: input.timestamp,
    stopReason: input.reason,
    stopIdTag: input.idTag,
    stoppedAt: input.receivedAt,
  });
  return {
    outcome: { outcome: "stopped", transaction: done },
    changes: {
      transactionUpdates: [{
        transaction: done,
        expectedStatus: current.status,
        stopIdTagStatus: input.idTagStatus,
      }],
      ...flagsIfAny(implausibleEnergyFlag(done, input.receivedAt), plausibleAgainFlags(current, done)),
    },
  };
}

/** The stop as kept for review, under its stable key (a replay of it has the same id). */
export function orphanStop(input: StopTransactionInput): OrphanStopRecord {
  return {
    id: JSON.stringify([input.chargePointId, input.transactionId, input.timestamp, input.meterStop]),
    chargePointId: input.chargePointId,
    transactionId: input.transactionId,
    idTag: input.idTag,
    meterStop: input.meterStop,
    timestamp: input.timestamp,
    reason: input.reason,
    transactionData: input.transactionData,
    receivedAt: input.receivedAt,
  };
}

/**
 * The energy a stored transaction delivered, in Wh: null while it has no stop reading, while its start reading
 * is unknown (`meterStartUnknown`), and when its readings cannot be a real meter's (`implausibleEnergy`: a
 * negative register, a stop below the start, more than any connector could deliver in its time): the energy
 * is then not known, and such a figure would poison every total it is added to.
 */
export function energyOfTransaction(t: EnergyReadings): number | null {
  return energyJudged(t, implausibleEnergy(t));
}

/** `energyOfTransaction` once its readings are judged (`implausible`). */
function energyJudged(t: EnergyReadings, implausible: ImplausibleEnergy | null): number | null {
  if (t.meterStartUnknown || t.meterStop === null || implausible !== null) return null;
  return t.meterStop - t.meterStart;
}

/** `t` with its energy and, when its readings are implausible, why (`implausibleEnergy`): judged once. */
export function withEnergy<T extends EnergyReadings & Pick<TransactionRecord, "energyWh">>(t: T): T {
  const implausible = implausibleEnergy(t);
  const out = { ...t, energyWh: energyJudged(t, implausible) } as
    & T
    & Pick<TransactionRecord, "energyImplausible">;
  if (implausible) out.energyImplausible = implausible;
  else if (out.energyImplausible !== undefined) delete out.energyImplausible;
  return out;
}

/**
 * `t` as its readings are judged now (`withEnergy`): `t` itself when what it holds agrees, as every record
 * written since the check does (no copy); a record stored before the check (its energy the difference of the
 * readings, whatever they were) is judged on read, as PostgreSQL judges its rows.
 */
export function judgedOnRead<
  T extends EnergyReadings & Pick<TransactionRecord, "energyWh" | "energyImplausible">,
>(
  t: T,
): T {
  const implausible = implausibleEnergy(t);
  const agrees = t.energyWh === energyJudged(t, implausible) &&
    t.energyImplausible?.reason === implausible?.reason && t.energyImplausible?.maxWh === implausible?.maxWh;
  return agrees ? t : withEnergy(t);
}

/**
 * `{ transactionFlags, transactionFlagsCleared }` with those there are, else nothing (changes stay as they were
 * without).
 */
export function flagsIfAny(
  flags: TransactionFlag[],
  cleared: TransactionFlagKey[] = [],
): { transactionFlags?: TransactionFlag[]; transactionFlagsCleared?: TransactionFlagKey[] } {
  return {
    ...(flags.length > 0 ? { transactionFlags: flags } : {}),
    ...(cleared.length > 0 ? { transactionFlagsCleared: cleared } : {}),
  };
}

/**
 * The implausible-energy flag to clear when `next` rewrites `before`'s implausible stop with plausible readings
 * (the station's own stop replacing an operator's estimate, a late reading raising a stop): the flag told of
 * readings the transaction no longer has. Judged from the readings, not from what a store kept of them.
 */
export function plausibleAgainFlags(
  before: TransactionRecord,
  next: TransactionRecord,
): TransactionFlagKey[] {
  if (before.meterStop === null || next.meterStop === null || next.energyImplausible) return [];
  if (implausibleEnergy(before) === null) return [];
  return [{
    transactionId: next.transactionId,
    kind: "implausible_energy",
    chargePointId: next.chargePointId,
  }];
}

/** The flag an implausible stop writes with it, so the operator's list of flags points at the transaction. */
export function implausibleEnergyFlag(t: TransactionRecord, at: string): TransactionFlag[] {
  if (!t.energyImplausible || t.meterStop === null) return [];
  return [{
    transactionId: t.transactionId,
    kind: "implausible_energy",
    chargePointId: t.chargePointId,
    connectorId: t.connectorId,
    at,
    details: { ...t.energyImplausible, meterStart: t.meterStart, meterStop: t.meterStop },
  }];
}
