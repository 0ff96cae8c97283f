/**
 * The transactions a store that writes nothing (`frame_cost.ts --store noop`) remembers in memory, so its
 * transaction mix takes the paths a real store's does: a Stop finds its Start's transaction instead of being
 * stored as an orphan stop, a Start sees its connector busy or free. Only the open ones are kept (a stopped
 * one is forgotten: the bench never sends a Stop twice), so memory stays bounded.
 */
import type { StationChanges } from "../model/changes.ts";
import type { Lookups } from "../model/lookups.ts";
import { sameIdTag } from "../model/id_tag.ts";
import type { StartKey, TransactionRecord } from "../model/transaction.ts";

type TransactionLookups = Pick<
  Lookups,
  "getTransaction" | "findTransactionByStart" | "findActiveTransactionsOn" | "findActiveTransactionByIdTag"
>;

export class RememberedTransactions implements TransactionLookups {
  readonly #open = new Map<number, TransactionRecord>();
  readonly #onConnector = new Map<string, TransactionRecord>();

  /** Takes in what a successful commit of `changes` would have stored. */
  committed(changes: StationChanges): void {
    for (const t of changes.transactionsStarted ?? []) this.#put(t);
    for (const { transaction } of changes.transactionUpdates ?? []) this.#put(transaction);
  }

  #put(t: TransactionRecord): void {
    const connector = `${t.chargePointId}\u0000${t.connectorId}`;
    if (t.status === "active") {
      this.#open.set(t.transactionId, t);
      this.#onConnector.set(connector, t);
      return;
    }
    this.#open.delete(t.transactionId);
    if (this.#onConnector.get(connector)?.transactionId === t.transactionId) {
      this.#onConnector.delete(connector);
    }
  }

  getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    return Promise.resolve(this.#open.get(transactionId) ?? null);
  }

  findTransactionByStart(key: StartKey): Promise<TransactionRecord | null> {
    const t = this.#onConnector.get(`${key.chargePointId}\u0000${key.connectorId}`);
    const same = t !== undefined && t.idTag === key.idTag && t.meterStart === key.meterStart &&
      t.startTimestamp === key.timestamp;
    return Promise.resolve(same ? t : null);
  }

  findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]> {
    const t = this.#onConnector.get(`${chargePointId}\u0000${connectorId}`);
    return Promise.resolve(t ? [t] : []);
  }

  findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    for (const t of this.#open.values()) if (sameIdTag(t.idTag, idTag)) return Promise.resolve(t);
    return Promise.resolve(null);
  }
}
