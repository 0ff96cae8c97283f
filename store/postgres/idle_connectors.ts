/**
 * Connectors this store knows to have no active transaction, as of its own last commit or read of them: a
 * committed stop (or supersede) leaves its connector idle, a read that found none says so, and a start
 * committed on a connector, or any write of a station that failed or conflicted, forgets it. A start's
 * `findActiveTransactionsOn` and its replay check `findTransactionByStart` are answered "none" from here
 * instead of two reads (two round trips fewer per Start of the transaction cycle).
 *
 * Only "none" is recalled, never a transaction: a start decided from it writes only its insert, whose own
 * guards (no active transaction on the connector it did not supersede; the replay key, unique, `transactions.ts`)
 * find what another writer started meanwhile and a replayed start; the member then conflicts, is forgotten
 * here, and is decided again from reads.
 *
 * @example
 * ```ts
 * import { IdleConnectors } from "./idle_connectors.ts";
 *
 * const idle = new IdleConnectors();
 * idle.sawIdle("CP-1", 1);
 * idle.isIdle("CP-1", 1); // true
 * idle.forget([{ chargePointId: "CP-1" }]);
 * idle.isIdle("CP-1", 1); // false
 * ```
 */
import type { StationChanges } from "../../model/changes.ts";
import { setMostRecent } from "../../model/recency.ts";

/** Stations recalled at most (the oldest are forgotten first): about the stations writing now. */
const DEFAULT_CAPACITY = 20_000;

export class IdleConnectors {
  /** Station -> its connectors known idle; the oldest station first. */
  readonly #idle = new Map<string, Set<number>>();

  constructor(readonly capacity = DEFAULT_CAPACITY) {}

  isIdle(chargePointId: string, connectorId: number): boolean {
    return this.#idle.get(chargePointId)?.has(connectorId) ?? false;
  }

  /** A read found no active transaction on the connector. */
  sawIdle(chargePointId: string, connectorId: number): void {
    this.#add(chargePointId, connectorId);
  }

  /** Call only after the members' commit: what their starts and transaction updates leave idle or not. */
  committed(members: readonly StationChanges[]): void {
    for (const m of members) {
      const started = m.transactionsStarted ?? [];
      for (const t of started) {
        if (t.status === "active") this.#idle.get(t.chargePointId)?.delete(t.connectorId);
      }
      for (const { transaction: t } of m.transactionUpdates ?? []) {
        if (t.status === "active") this.#idle.get(t.chargePointId)?.delete(t.connectorId);
        else if (!started.some((s) => s.connectorId === t.connectorId)) {
          this.#add(t.chargePointId, t.connectorId);
        }
      }
    }
  }

  /** Every connector of the members' stations (their write failed or conflicted). */
  forget(members: readonly Pick<StationChanges, "chargePointId">[]): void {
    for (const { chargePointId } of members) this.#idle.delete(chargePointId);
  }

  #add(chargePointId: string, connectorId: number): void {
    const known = this.#idle.get(chargePointId);
    if (known) {
      known.add(connectorId);
      return;
    }
    setMostRecent(this.#idle, chargePointId, new Set([connectorId]), this.capacity);
  }
}
