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
import { setMostRecent } from "../../model/recency.ts";

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
 * The record as a read of its row gives it: times in the canonical form, energy from the meters, a lone
 * surrogate as U+FFFD (`json_param.ts`).
 */
function asRead(t: TransactionRecord): TransactionRecord {
  const time = (s: string | null) => s === null ? null : new Date(s).toISOString();
  const text = Object.fromEntries(
    Object.entries(t).map(([k, v]) => [k, typeof v === "string" ? v.toWellFormed() : v]),
  ) as unknown as TransactionRecord;
  // Optional fields a read leaves out when the column is null.
  for (const k of ["stationTransactionId", "seqNoRanges", "seqNos", "remoteStartId"] as const) {
    if (text[k] === null || text[k] === undefined) delete text[k];
  }
  if (!text.meterStartUnknown) delete text.meterStartUnknown;
  return {
    ...text,
    startTimestamp: new Date(t.startTimestamp).toISOString(),
    stopTimestamp: time(t.stopTimestamp),
    createdAt: new Date(t.createdAt).toISOString(),
    stoppedAt: time(t.stoppedAt),
    energyWh: energyOfTransaction(t),
  };
}
