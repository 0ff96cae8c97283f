/**
 * Transactions and orphan stops on Deno KV: the lookups the rules of `model/transaction.ts` decide from, the
 * lists, the id blocks, and the commit's writes with the atomic guards that make a concurrent writer a
 * conflict: a replay key must still be absent, a rewritten transaction must still have the version (and so
 * the status) it was read with, and a connector gets a new active transaction only if nothing else became
 * active on it meanwhile (`["tx_open", cp, connector]`). A new transaction's own key is not checked: its id
 * comes from the counter's blocks, never handed out twice. Nor is the pointer an ending transaction deletes:
 * only a start sets it and only the atomic that ends its transaction (whose version is checked) clears it.
 * A transaction is judged on read (`judgedOnRead`): one stored before the plausibility check has the energy
 * of its readings, however implausible.
 */
import type { StationChanges } from "../../model/changes.ts";
import { sameIdTag } from "../../model/id_tag.ts";
import {
  judgedOnRead,
  MAX_TRANSACTION_ID,
  type OrphanStopRecord,
  type StartKey,
  type TransactionRecord,
} from "../../model/transaction.ts";
import type { TransactionFilter, TransactionStore } from "../mod.ts";
import {
  activeTagKey,
  activeTagPrefix,
  follow,
  getAll,
  keyId,
  openKey,
  orphanKey,
  type Sequence,
  startKey,
  startKeyOf,
  startTimeKey,
  stationIdKey,
  stationIdReuseKey,
  tagKey,
  transactionKey,
  TX_COUNTER,
} from "./keys.ts";
import { orphanApart, orphanDataKey, withOrphanData } from "./orphan_data.ts";
import type { KvReads } from "./reads.ts";
import type { WriteSet } from "./write_set.ts";

type Reads = Pick<
  TransactionStore,
  | "getTransaction"
  | "findTransactionByStart"
  | "findActiveTransactionsOn"
  | "findActiveTransactionByIdTag"
  | "findTransactionByStationId"
  | "listTransactions"
  | "listOrphanStops"
>;

const MAX_ATTEMPTS = 100;
/** Start time pointers a list reads at most before it walks every transaction instead. */
const MAX_STARTED_IN = 20_000;

export class KvTransactions implements Reads {
  /** `reads`: the lookups of StartTransaction and StopTransaction go through it (see reads.ts). */
  constructor(private readonly kv: Deno.Kv, private readonly reads: KvReads) {}

  async getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    const tx = (await this.reads.get<TransactionRecord>(transactionKey(transactionId))).value;
    return tx === null ? null : judgedOnRead(tx);
  }

  async findTransactionByStart(key: StartKey): Promise<TransactionRecord | null> {
    const pointer = await this.reads.get<number>(startKey(key));
    if (pointer.value === null) return null;
    const tx = await this.getTransaction(pointer.value);
    if (tx === null) {
      throw new Error(`The replay index of "${key.chargePointId}" points to missing ${pointer.value}`);
    }
    if (tx.stationTransactionId !== undefined) {
      // A 2.0.1 transaction's key, which versions before 2.0.1 starts were told apart by the station's id alone
      // wrote: not a 1.6 start's replay. Deleted (unless it changed meanwhile: then the commit conflicts and
      // this is read again), so the 1.6 start it would block takes it. A lookup that writes, for old files only.
      const res = await this.kv.atomic().check(pointer).delete(pointer.key).commit();
      if (res.ok) this.reads.learnCommit([{ type: "delete", key: pointer.key }], res.versionstamp);
      return null;
    }
    return tx;
  }

  async findTransactionByStationId(
    chargePointId: string,
    stationTransactionId: string,
    reuse?: number,
  ): Promise<TransactionRecord | null> {
    const newest = await this.reads.get<number>(stationIdKey(chargePointId, stationTransactionId));
    if (newest.value === null) return null;
    if (reuse !== undefined) {
      const pointer = await this.reads.get<number>(
        stationIdReuseKey(chargePointId, stationTransactionId, reuse),
      );
      // No key for the first (0) while the id named nothing else: the newest is the first.
      if (pointer.value !== null) return await this.getTransaction(pointer.value);
      if (reuse !== 0) return null;
    }
    const tx = await this.getTransaction(newest.value);
    return reuse === undefined || (tx?.stationIdReuse ?? 0) === reuse ? tx : null;
  }

  async findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]> {
    const pointer = await this.reads.get<number>(openKey(chargePointId, connectorId));
    if (pointer.value === null) return [];
    const tx = await this.getTransaction(pointer.value);
    return tx !== null && tx.status === "active" ? [tx] : [];
  }

  async findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    for await (const entry of this.kv.list<number>({ prefix: activeTagPrefix(idTag) }, { reverse: true })) {
      const tx = await this.getTransaction(entry.value);
      if (tx !== null && tx.status === "active") return tx;
    }
    return null;
  }

  /** Reserves `count` ids with one step of the counter (ids are never reused across processes or restarts). */
  async reserveTransactionIds(count: number): Promise<number[]> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const counter = await this.kv.get<Deno.KvU64>(TX_COUNTER);
      const last = Number(counter.value?.value ?? 0n);
      if (last >= MAX_TRANSACTION_ID) {
        throw new Error("Cannot start a transaction: transaction ids are exhausted");
      }
      const top = Math.min(last + count, MAX_TRANSACTION_ID);
      const res = await this.kv.atomic().check(counter).set(TX_COUNTER, new Deno.KvU64(BigInt(top))).commit();
      if (res.ok) return Array.from({ length: top - last }, (_, k) => last + 1 + k);
    }
    throw new Error(`Cannot reserve transaction ids: the counter kept changing for ${MAX_ATTEMPTS} attempts`);
  }

  async listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]> {
    const out: TransactionRecord[] = [];
    if (filter.limit <= 0) return out;
    // Newest first, stopping at `limit` matches: through the station's or the idTag's pointers when the filter
    // names one, else over every transaction.
    const prefix: Deno.KvKey = filter.chargePointId !== undefined
      ? ["tx_cp", filter.chargePointId]
      : filter.idTag !== undefined
      ? tagKey(filter.idTag)
      : ["tx"];
    const selector: Deno.KvListSelector = filter.before === undefined
      ? { prefix }
      : { prefix, end: [...prefix, filter.before] };
    const take = async (ids: number[]) => {
      const entries = await getAll<TransactionRecord>(this.kv, ids.map(transactionKey));
      for (const entry of entries) {
        if (entry.value !== null && matches(entry.value, filter) && out.length < filter.limit) {
          out.push(judgedOnRead(entry.value));
        }
      }
    };
    // Active ones are at most one per connector, and a date range's pointers are few next to every transaction:
    // their ids are collected and sorted rather than a station's, a tag's or the whole history scanned (the load
    // manager asks for a station's active ones at every division, the overview for today's at every rescan).
    const pointed = filter.status === "active"
      ? await this.#pointedIds(openSelector(filter), filter.before, Infinity)
      : prefix[0] === "tx" && filter.from !== undefined
      ? await this.#pointedIds(startedSelector(filter), filter.before, MAX_STARTED_IN)
      : null;
    if (pointed) {
      for (let i = 0; i < pointed.length && out.length < filter.limit; i += 10) {
        await take(pointed.slice(i, i + 10));
      }
      return out;
    }
    if (prefix[0] === "tx") {
      for await (const entry of this.kv.list<TransactionRecord>(selector, { reverse: true })) {
        if (matches(entry.value, filter)) out.push(judgedOnRead(entry.value));
        if (out.length >= filter.limit) break;
      }
      return out;
    }
    let ids: number[] = [];
    for await (const entry of this.kv.list<number>(selector, { reverse: true, batchSize: 100 })) {
      ids.push(entry.value);
      if (ids.length >= 10) {
        await take(ids);
        ids = [];
      }
      if (out.length >= filter.limit) return out;
    }
    if (ids.length > 0) await take(ids);
    return out;
  }

  /**
   * The ids `selector`'s pointers name (below `before`), newest first, each once (a start time pointer left
   * behind by a start moved during the rekey at open names its transaction twice); null past `max` (a date
   * range reaching far back: the walk of every transaction, newest first, finds its page sooner).
   */
  async #pointedIds(
    selector: Deno.KvListSelector | null,
    before: number | undefined,
    max: number,
  ): Promise<number[] | null> {
    if (selector === null) return [];
    const ids = new Set<number>();
    for await (const entry of this.kv.list<number>(selector, { batchSize: 500 })) {
      if (before === undefined || entry.value < before) ids.add(entry.value);
      if (ids.size > max) return null;
    }
    return [...ids].sort((a, b) => b - a);
  }

  async listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]> {
    const prefix: Deno.KvKey = page.chargePointId === undefined
      ? ["orphan_t"]
      : ["orphan_cp", page.chargePointId];
    return await withOrphanData(
      this.kv,
      await follow<OrphanStopRecord>(this.kv, prefix, page.limit, true),
      orphanKey,
    );
  }
}

/** The keys a commit of `changes` reads to guard its transaction writes. */
export function transactionKeys(changes: StationChanges): Deno.KvKey[] {
  const keys: Deno.KvKey[] = [];
  for (const { transaction: tx } of changes.transactionUpdates ?? []) {
    keys.push(transactionKey(tx.transactionId));
  }
  for (const tx of changes.transactionsStarted ?? []) {
    const start = startKeyOf(tx);
    if (start) keys.push(start);
    keys.push(openKey(tx.chargePointId, tx.connectorId));
    if (tx.stationTransactionId !== undefined) {
      keys.push(stationIdKey(tx.chargePointId, tx.stationTransactionId));
      if (tx.stationIdReuse) {
        keys.push(stationIdReuseKey(tx.chargePointId, tx.stationTransactionId, tx.stationIdReuse));
      }
    }
  }
  for (const orphan of changes.orphanStops ?? []) keys.push(orphanKey(orphan));
  return keys;
}

/**
 * Adds the transaction writes of `changes` to `set`, guarded; returns why they conflict with what is stored
 * (nothing is added then), or null.
 */
export function planTransactions(
  changes: StationChanges,
  read: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
  set: WriteSet,
  seq: Sequence,
): string | null {
  const started = changes.transactionsStarted ?? [];
  const updates = changes.transactionUpdates ?? [];
  const opening = new Set(started.map((tx) => keyId(openKey(tx.chargePointId, tx.connectorId))));
  const leaving = new Set<number>();
  for (const { transaction: tx, expectedStatus } of updates) {
    const entry = read(transactionKey(tx.transactionId)) as Deno.KvEntryMaybe<TransactionRecord>;
    if (entry.value === null || entry.value.status !== expectedStatus) {
      return `transaction ${tx.transactionId} is ${entry.value?.status ?? "unknown"}, not ${expectedStatus}`;
    }
    if (tx.status !== "active") leaving.add(tx.transactionId);
  }
  for (const tx of started) {
    const start = startKeyOf(tx);
    if (start && read(start).versionstamp !== null) {
      return `a start with the replay key of transaction ${tx.transactionId} is stored`;
    }
    if (tx.stationTransactionId !== undefined) {
      const named = read(stationIdKey(tx.chargePointId, tx.stationTransactionId)).versionstamp !== null;
      const reuse = tx.stationIdReuse;
      // A first use: the id names nothing yet. A reuse: it names an earlier one, and this reuse is not stored.
      if (!reuse && named) {
        return `transaction "${tx.stationTransactionId}" of "${tx.chargePointId}" is stored`;
      }
      if (
        reuse &&
        (!named ||
          read(stationIdReuseKey(tx.chargePointId, tx.stationTransactionId, reuse)).versionstamp !== null)
      ) {
        return `transaction "${tx.stationTransactionId}" of "${tx.chargePointId}" (reuse ${reuse}) is stored or named nothing`;
      }
    }
    // An OCPP 2.0.1 transaction may be stored already finished (its Ended event came first): it opens nothing.
    if (tx.status !== "active") continue;
    const open = read(openKey(tx.chargePointId, tx.connectorId)) as Deno.KvEntryMaybe<number>;
    if (open.value !== null && !leaving.has(open.value)) {
      return `connector ${tx.connectorId} has active transaction ${open.value}`;
    }
  }
  for (const { transaction: tx } of updates) {
    const key = transactionKey(tx.transactionId);
    const stored = read(key) as Deno.KvEntryMaybe<TransactionRecord>;
    set.check(stored);
    set.set(key, tx);
    const before = stored.value?.idTag;
    if (before !== undefined && before !== tx.idTag) {
      // OCPP 2.0.1: the idToken may come with a later event than the first; the idTag indexes follow it.
      set.delete(activeTagKey(before, tx.transactionId));
      set.delete([...tagKey(before), tx.transactionId]);
      set.set([...tagKey(tx.idTag), tx.transactionId], tx.transactionId);
      if (tx.status === "active") set.set(activeTagKey(tx.idTag, tx.transactionId), tx.transactionId);
    }
    const startedAt = stored.value?.startTimestamp;
    if (startedAt !== undefined && startedAt !== tx.startTimestamp) {
      // OCPP 2.0.1: a Started event that comes after others knows the start best.
      set.delete(startTimeKey(startedAt, tx.transactionId));
      set.set(startTimeKey(tx.startTimestamp, tx.transactionId), tx.transactionId);
    }
    if (tx.status === "active") continue;
    set.delete(activeTagKey(tx.idTag, tx.transactionId));
    // A connector's pointer names its active transaction from the start that set it to the atomic that ends
    // that transaction, and nothing else moves it: the stored record was active (its version is checked
    // above), so the pointer is this transaction's and goes with it, neither read nor checked (a start of
    // this commit on the connector sets it anew instead).
    if (stored.value!.status !== "active") continue;
    const open = openKey(stored.value!.chargePointId, stored.value!.connectorId);
    if (!opening.has(keyId(open))) set.delete(open);
  }
  for (const tx of started) {
    const id = tx.transactionId;
    const start = startKeyOf(tx);
    const open = openKey(tx.chargePointId, tx.connectorId);
    // No check that ["tx", id] is absent: ids come from our counter's blocks (store/id_blocks.ts), each handed
    // out once across processes and restarts; a replay is refused by the replay key (2.0.1: station id) above.
    set.set(transactionKey(id), tx);
    if (start) {
      set.check({ key: start, versionstamp: null });
      set.set(start, id);
    }
    if (tx.stationTransactionId !== undefined) {
      const sid = stationIdKey(tx.chargePointId, tx.stationTransactionId);
      if (tx.stationIdReuse) {
        // The id names this one from now on; the reuse key makes the reuse exactly once.
        const reuse = stationIdReuseKey(tx.chargePointId, tx.stationTransactionId, tx.stationIdReuse);
        const named = read(sid) as Deno.KvEntryMaybe<number>;
        set.check(named);
        set.check({ key: reuse, versionstamp: null });
        set.set(reuse, id);
        // The first one, which the id named alone until now, keeps a key of its own (its late events).
        if (tx.stationIdReuse === 1) {
          set.set(stationIdReuseKey(tx.chargePointId, tx.stationTransactionId, 0), named.value);
        }
      } else {
        set.check({ key: sid, versionstamp: null });
      }
      set.set(sid, id);
    }
    if (tx.status === "active") {
      set.check(read(open));
      set.set(open, id);
      set.set(activeTagKey(tx.idTag, id), id);
    }
    // Pointers for lists filtered by station, idTag or start time (no scan of every transaction).
    set.set(["tx_cp", tx.chargePointId, id], id);
    set.set(startTimeKey(tx.startTimestamp, id), id);
    set.set([...tagKey(tx.idTag), id], id);
  }
  for (const orphan of changes.orphanStops ?? []) {
    const key = orphanKey(orphan);
    // Already kept: this is a replay of the same stop, which stores nothing.
    if (read(key).versionstamp !== null) continue;
    const at = seq.next();
    const { record, chunks } = orphanApart(orphan);
    chunks.forEach((chunk, i) => set.set(orphanDataKey(key, i), chunk, { idempotent: true }));
    set.set(key, record, { idempotent: true });
    set.set(["orphan_t", orphan.receivedAt, at], key, { idempotent: true });
    set.set(["orphan_cp", orphan.chargePointId, orphan.receivedAt, at], key, { idempotent: true });
  }
  return null;
}

/** The open-transaction pointers of `f`'s station, else of its tag, else of every station. */
function openSelector(f: TransactionFilter): Deno.KvListSelector {
  const prefix = f.chargePointId !== undefined
    ? ["tx_open", f.chargePointId]
    : f.idTag !== undefined
    ? activeTagPrefix(f.idTag)
    : ["tx_open"];
  return { prefix };
}

/** The start time pointers of `f`'s range (from `from`, to `to` or the end); null when it is empty. */
function startedSelector(f: TransactionFilter): Deno.KvListSelector | null {
  // KV refuses a start past the end.
  if (f.to !== undefined && f.to <= f.from!) return null;
  return f.to !== undefined
    ? { start: ["tx_t", f.from!], end: ["tx_t", f.to] }
    : { prefix: ["tx_t"], start: ["tx_t", f.from!] };
}

function matches(tx: TransactionRecord, f: TransactionFilter): boolean {
  return (f.chargePointId === undefined || tx.chargePointId === f.chargePointId) &&
    (f.connectorId === undefined || tx.connectorId === f.connectorId) &&
    (f.idTag === undefined || sameIdTag(tx.idTag, f.idTag)) &&
    (f.status === undefined || tx.status === f.status) &&
    (f.from === undefined || tx.startTimestamp >= f.from) &&
    (f.to === undefined || tx.startTimestamp < f.to);
}
