/**
 * The active transactions this store's own commits started or last updated, each with its row version (the
 * `xmin` its commit wrote): a Stop's `getTransaction` is answered from here instead of a read (one round trip
 * fewer per Stop of the transaction cycle). An update decided from a recalled transaction applies only while
 * the row still has that version (`transactions.ts`, `writeUpdates`): another writer's change meanwhile (another
 * node, a hand-written fix) makes the member conflict, the transaction is forgotten here, and the stop is
 * decided again from a read. A transaction that ends (finished, superseded) is forgotten: a replayed stop reads.
 *
 * @example
 * ```ts
 * import { RecalledTransactions } from "./recalled_transactions.ts";
 * import { startedTransaction } from "../../model/transaction.ts";
 *
 * const recalled = new RecalledTransactions();
 * const t = startedTransaction({
 *   chargePointId: "CP-1", connectorId: 1, idTag: "T", idTagStatus: "Accepted", meterStart: 0,
 *   timestamp: "2024-05-01T10:00:00.000Z", reservationId: null, receivedAt: "2024-05-01T10:00:00.000Z",
 * }, 7);
 * recalled.committed([{ chargePointId: "CP-1", transactionsStarted: [t] }], "1234");
 * recalled.get(7)?.idTag; // "T"
 * recalled.versionOf(7); // "1234"
 * ```
 */
import type { StationChanges } from "../../model/changes.ts";
import { energyOfTransaction, type TransactionRecord } from "../../model/transaction.ts";
import { implausibleEnergy } from "../../model/energy_plausibility.ts";
import { setMostRecent } from "../../model/recency.ts";
import { isCanonicalUtc } from "../../protocol/ocppj/formats.ts";

/** Transactions recalled at most (the oldest are forgotten first): about the active ones of this node. */
const DEFAULT_CAPACITY = 20_000;

export class RecalledTransactions {
  readonly #byId = new Map<number, { record: TransactionRecord; version: string }>();

  constructor(readonly capacity = DEFAULT_CAPACITY) {}

  get(transactionId: number): TransactionRecord | undefined {
    return this.#byId.get(transactionId)?.record;
  }

  versionOf(transactionId: number): string | undefined {
    return this.#byId.get(transactionId)?.version;
  }

  /** Call only after the members' commit, with the version (xmin) it wrote. */
  committed(members: readonly StationChanges[], version: string | undefined): void {
    for (const m of members) {
      for (const t of m.transactionsStarted ?? []) this.#set(t, version);
      for (const { transaction: t } of m.transactionUpdates ?? []) this.#set(t, version);
    }
  }

  /** Every transaction the members wrote (their write failed or conflicted). */
  forget(members: readonly StationChanges[]): void {
    for (const m of members) {
      for (const t of m.transactionsStarted ?? []) this.#byId.delete(t.transactionId);
      for (const { transaction: t } of m.transactionUpdates ?? []) this.#byId.delete(t.transactionId);
    }
  }

  #set(t: TransactionRecord, version: string | undefined): void {
    this.#byId.delete(t.transactionId);
    if (t.status !== "active" || version === undefined) return;
    setMostRecent(this.#byId, t.transactionId, { record: asRead(t), version }, this.capacity);
  }
}

/**
 * The record as a read of its row gives it: times in the canonical form, energy from the meters (and why not,
 * when implausible), a lone
 * surrogate as U+FFFD (`json_param.ts`), its fields in the record's order. Once per Start: one object, no
 * entries, deletes or spread (~5x cheaper than building it that way), and a time already canonical (as the
 * actors write them) is kept as it is, not parsed.
 */
export function asRead(t: TransactionRecord): TransactionRecord {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(t)) {
    const v = (t as unknown as Record<string, unknown>)[k];
    // Optional fields a read leaves out when the column is null.
    if ((v === null || v === undefined) && DROPPED_WHEN_NULL.has(k)) continue;
    if ((k === "meterStartUnknown" && !v) || k === "energyImplausible") continue;
    out[k] = typeof v === "string" ? v.toWellFormed() : v;
  }
  out.startTimestamp = canonical(t.startTimestamp);
  out.stopTimestamp = t.stopTimestamp === null ? null : canonical(t.stopTimestamp);
  out.createdAt = canonical(t.createdAt);
  out.stoppedAt = t.stoppedAt === null ? null : canonical(t.stoppedAt);
  out.energyWh = energyOfTransaction(t);
  // Last, as a read adds it (`withEnergy`).
  const implausible = implausibleEnergy(t);
  if (implausible) out.energyImplausible = implausible;
  return out as unknown as TransactionRecord;
}

const DROPPED_WHEN_NULL = new Set(["stationTransactionId", "seqNoRanges", "seqNos", "remoteStartId"]);

/** `new Date(time).toISOString()`: what PostgreSQL's timestamptz gives back (throws on an invalid time). */
function canonical(time: string): string {
  return isCanonicalUtc(time) ? time : new Date(time).toISOString();
}
