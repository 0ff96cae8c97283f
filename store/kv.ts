/**
 * The embedded Store on Deno KV: the default when no DATABASE_URL is set, and what Deno Deploy uses.
 *
 * Layout (every key is a tuple; indexes hold pointers, written in the same atomic commit as what they index):
 * - `["cp", id]` ChargePointRecord; `["cp_seen", id]` its lastSeen when a touch came after the last write of
 *   the record (read merges it in; every write of the record deletes it in the same commit);
 *   `["cp_status", cpId, receivedAt, seq]` StatusHistoryEntry
 * - `["idtag", idTag]` IdTagRecord
 * - `["counter", "tx"]` Deno.KvU64, the last transactionId handed out
 * - `["tx", id]` TransactionRecord; `["tx_start", cpId, connectorId, idTag, meterStart, timestamp]` -> id
 *   (replay index); `["tx_open", cpId, connectorId]` -> id of the open one; `["tx_active_tag", idTag, id]` -> id
 * - `["orphan", cpId, transactionId, timestamp, meterStop]` OrphanStopRecord; `["orphan_t", receivedAt, seq]`
 *   and `["orphan_cp", cpId, receivedAt, seq]` -> orphan key
 * - `["mv", cpId, connectorId, timestamp, measurand, phase ?? "", location, value]` MeterValueRow (or
 *   `["mv_h", sha256]` when that key would be too long); `["mv_tx", transactionId, timestamp, seq]` and
 *   `["mv_cp", cpId, timestamp, seq]` -> mv key
 * - `["cmd", cpId, requestedAt, seq]` CommandLogEntry
 *
 * `seq` is a per-process monotonic string, so entries with equal times keep their insertion order.
 *
 * Touches (Heartbeat, a station's close) are the hot path: a blind `set` of `["cp_seen", id]`, no read and no
 * check, and those arriving while a touch commit is in flight are written together in the next atomic commit
 * (group commit, as in the PostgreSQL store). Blind is safe because one station's writes are ordered by its
 * actor, the one writer, which awaits each write before the next: the last touch is the newest, and a later
 * write of the whole record carries its own lastSeen. A touch of an id with no record leaves a `cp_seen` key
 * that reads ignore and the record's first write deletes.
 *
 * @example
 * ```ts
 * import { openKvStore } from "./kv.ts";
 *
 * const store = await openKvStore(":memory:");
 * await store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
 * console.log((await store.getIdTag("TAG-1"))?.status); // "Accepted"
 * await store.close();
 * ```
 */
import { dirname } from "node:path";
import { type CommitObserver, GroupCommit } from "./group_commit.ts";
import type {
  ChargePointRecord,
  CommandLogEntry,
  IdTagRecord,
  MeterValueRow,
  OrphanStopRecord,
  PageRequest,
  StartTransactionInput,
  StartTransactionOutcome,
  StatusHistoryEntry,
  StopTransactionInput,
  StopTransactionOutcome,
  Store,
  TransactionFilter,
  TransactionRecord,
} from "./store.ts";
import { checkSameStation } from "./store.ts";

const TX_COUNTER: Deno.KvKey = ["counter", "tx"];
/** transactionId is a 32-bit signed integer on the wire (OCPP 1.6 StartTransaction.conf). */
const MAX_TRANSACTION_ID = 2 ** 31 - 1;
const MAX_ATTEMPTS = 100;
/** Deno KV refuses keys over 2 KiB; hash a meter value's key well before that. */
const MAX_MV_KEY_BYTES = 1024;
/** Deno KV atomic limits are 100 checks, 1000 mutations, 80 KiB of keys and 800 KiB in all: stay well under. */
const MV_CHUNK_ROWS = 40;
const MV_CHUNK_KEY_BYTES = 48 * 1024;
const MV_CHUNK_BYTES = 400 * 1024;
/** `kv.getMany` reads at most 10 keys at a time. */
const GET_MANY_MAX = 10;
/** One touch commit: at most this many stations and this many bytes of keys (KV allows 1000 and 80 KiB). */
const TOUCH_CHUNK_ROWS = 500;
const TOUCH_CHUNK_KEY_BYTES = 48 * 1024;

const encoder = new TextEncoder();

/**
 * Opens a KvStore: `path` undefined uses Deno Deploy's built-in KV, `":memory:"` a throwaway one (tests),
 * anything else a file whose parent folder is created when missing.
 */
export async function openKvStore(path?: string): Promise<KvStore> {
  return new KvStore(await openKvHandle(path));
}

/** Opens a Deno KV handle the way every KV store here does (see `openKvStore`). */
export async function openKvHandle(path?: string): Promise<Deno.Kv> {
  if (path === undefined) return await Deno.openKv();
  if (path !== ":memory:") await Deno.mkdir(dirname(path), { recursive: true });
  return await Deno.openKv(path);
}

export interface KvStoreOptions {
  /**
   * How long the first touch of a group waits for company, in ms; default "whileBusy": not at all when no
   * touch commit is in flight (see `GroupCommit`).
   */
  groupCommitMs?: number | "whileBusy";
  /** A group of touches is written at once when it reaches this many callers (default 500). */
  groupCommitMaxCallers?: number;
  /** Told about each group commit (metrics). */
  commitObserver?: CommitObserver;
}

/** A Store on a Deno KV handle it owns: `close()` writes pending touches, then closes the handle. */
export class KvStore implements Store {
  readonly #kv: Deno.Kv;
  readonly #seq = new Sequence();
  readonly #touchGroup: GroupCommit<{ id: string; lastSeen: string }, void>;
  #startQueue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(kv: Deno.Kv, options: KvStoreOptions = {}) {
    this.#kv = kv;
    this.#touchGroup = new GroupCommit(
      options.groupCommitMs ?? "whileBusy",
      options.groupCommitMaxCallers ?? TOUCH_CHUNK_ROWS,
      (batch) => this.#commitTouches(batch),
      options.commitObserver,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#touchGroup.drain();
    this.#kv.close();
  }

  // ---------------------------------------------------------------- charge points

  async getChargePoint(id: string): Promise<ChargePointRecord | null> {
    const [record, seen] = await this.#kv.getMany<[ChargePointRecord, string]>([["cp", id], ["cp_seen", id]]);
    return record.value === null ? null : withLastSeen(record.value, seen.value);
  }

  async putChargePoint(record: ChargePointRecord): Promise<void> {
    await this.#kv.atomic().set(["cp", record.id], record).delete(["cp_seen", record.id]).commit();
  }

  async touchChargePoint(id: string, lastSeen: string): Promise<void> {
    if (this.#closed) throw new Error(`Cannot touch charge point "${id}": the store is closed`);
    await this.#touchGroup.submit({ id, lastSeen });
  }

  async listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]> {
    const needle = page.search?.toLowerCase();
    const records = await this.#scanAfter<ChargePointRecord>(
      ["cp"],
      page,
      needle === undefined ? () => true : (r) => r.id.toLowerCase().includes(needle),
    );
    const first = records[0];
    const last = records.at(-1);
    if (first === undefined || last === undefined) return records;
    // The touches of this page's id range in one scan (["cp_seen", last.id] sorts before the end key).
    const seen = new Map<string, string>();
    const range = { start: ["cp_seen", first.id], end: ["cp_seen", last.id, ""] };
    for await (const entry of this.#kv.list<string>(range)) seen.set(entry.key[1] as string, entry.value);
    return records.map((r) => withLastSeen(r, seen.get(r.id) ?? null));
  }

  async appendStatusHistory(entry: StatusHistoryEntry): Promise<void> {
    await this.#kv.set(["cp_status", entry.chargePointId, entry.receivedAt, this.#seq.next()], entry);
  }

  async recordStatus(entry: StatusHistoryEntry, snapshot: ChargePointRecord): Promise<void> {
    checkSameStation(entry, snapshot);
    await this.#kv.atomic()
      .set(["cp_status", entry.chargePointId, entry.receivedAt, this.#seq.next()], entry)
      .set(["cp", snapshot.id], snapshot)
      .delete(["cp_seen", snapshot.id])
      .commit();
  }

  /** Blind sets, as few commits as the KV limits allow; one station touched twice in a batch: the later wins. */
  async #commitTouches(batch: { id: string; lastSeen: string }[]): Promise<PromiseSettledResult<void>[]> {
    const latest = new Map<string, string>();
    for (const { id, lastSeen } of batch) latest.set(id, lastSeen);
    const commits: Promise<Deno.KvCommitResult | Deno.KvCommitError>[] = [];
    let op = this.#kv.atomic();
    let rows = 0;
    let keyBudget = 0;
    for (const [id, lastSeen] of latest) {
      const key: Deno.KvKey = ["cp_seen", id];
      const k = keyBytes(key);
      if (rows > 0 && (rows >= TOUCH_CHUNK_ROWS || keyBudget + k > TOUCH_CHUNK_KEY_BYTES)) {
        commits.push(op.commit());
        op = this.#kv.atomic();
        rows = 0;
        keyBudget = 0;
      }
      op.set(key, lastSeen);
      rows++;
      keyBudget += k;
    }
    commits.push(op.commit());
    await Promise.all(commits);
    return batch.map(() => ({ status: "fulfilled", value: undefined }));
  }

  async listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    return await this.#values<StatusHistoryEntry>(["cp_status", chargePointId], limit, true);
  }

  // ---------------------------------------------------------------- id tags

  async getIdTag(idTag: string): Promise<IdTagRecord | null> {
    return (await this.#kv.get<IdTagRecord>(["idtag", idTag])).value;
  }

  async putIdTag(record: IdTagRecord): Promise<void> {
    await this.#kv.set(["idtag", record.idTag], record);
  }

  async deleteIdTag(idTag: string): Promise<boolean> {
    return await retry(`Cannot delete id tag "${idTag}"`, async () => {
      const entry = await this.#kv.get(["idtag", idTag]);
      if (entry.versionstamp === null) return false;
      const res = await this.#kv.atomic().check(entry).delete(entry.key).commit();
      return res.ok ? true : undefined;
    });
  }

  async listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    return await this.#scanAfter<IdTagRecord>(["idtag"], page, () => true);
  }

  // ---------------------------------------------------------------- transactions

  /**
   * Starts share one counter key, so concurrent starts in one process would mostly lose their atomic commit
   * and retry (measured: thousands gave up under a 19,000-station ramp). Queued here, they commit one after
   * another; only other processes on the same KV can still conflict.
   */
  startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome> {
    const run = this.#startQueue.then(() => this.#startTransaction(input));
    this.#startQueue = run.catch(() => {});
    return run;
  }

  async #startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome> {
    const startKey: Deno.KvKey = [
      "tx_start",
      input.chargePointId,
      input.connectorId,
      input.idTag,
      input.meterStart,
      input.timestamp,
    ];
    const openKey: Deno.KvKey = ["tx_open", input.chargePointId, input.connectorId];
    const what = `Cannot start a transaction on "${input.chargePointId}" connector ${input.connectorId}`;
    return await retry(what, async () => {
      const [start, open, counter] = await this.#kv.getMany<[number, number, Deno.KvU64]>([
        startKey,
        openKey,
        TX_COUNTER,
      ]);
      if (start.value !== null) {
        const existing = await this.#kv.get<TransactionRecord>(["tx", start.value]);
        if (existing.value === null) {
          throw new Error(`${what}: replay index points to missing ${start.value}`);
        }
        return { transaction: existing.value, replayed: true, superseded: [] };
      }
      const next = (counter.value?.value ?? 0n) + 1n;
      if (next > BigInt(MAX_TRANSACTION_ID)) throw new Error(`${what}: transaction ids are exhausted`);
      const transactionId = Number(next);
      const transaction: TransactionRecord = {
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
      };
      const txKey: Deno.KvKey = ["tx", transactionId];
      const op = this.#kv.atomic()
        .check(start, open, counter, { key: txKey, versionstamp: null })
        .set(TX_COUNTER, new Deno.KvU64(next))
        .set(txKey, transaction)
        .set(startKey, transactionId)
        .set(openKey, transactionId)
        .set(["tx_active_tag", input.idTag, transactionId], transactionId)
        // Pointers for lists filtered by station or idTag (no scan of every transaction).
        .set(["tx_cp", input.chargePointId, transactionId], transactionId)
        .set(["tx_tag", input.idTag, transactionId], transactionId);

      const superseded: TransactionRecord[] = [];
      if (open.value !== null) {
        const old = await this.#kv.get<TransactionRecord>(["tx", open.value]);
        if (old.value !== null && old.value.status === "active") {
          const closed: TransactionRecord = {
            ...old.value,
            status: "superseded",
            supersededBy: transactionId,
          };
          op.check(old).set(old.key, closed).delete(["tx_active_tag", closed.idTag, closed.transactionId]);
          superseded.push(closed);
        }
      }
      const res = await op.commit();
      return res.ok ? { transaction, replayed: false, superseded } : undefined;
    });
  }

  async stopTransaction(input: StopTransactionInput): Promise<StopTransactionOutcome> {
    const what = `Cannot stop transaction ${input.transactionId} of "${input.chargePointId}"`;
    const outcome = await retry<StopTransactionOutcome | "orphan">(what, async () => {
      const entry = await this.#kv.get<TransactionRecord>(["tx", input.transactionId]);
      const tx = entry.value;
      if (tx === null || tx.chargePointId !== input.chargePointId) return "orphan";
      if (tx.status === "finished") return { outcome: "replayed", transaction: tx };
      const done: TransactionRecord = {
        ...tx,
        status: "finished",
        meterStop: input.meterStop,
        stopTimestamp: input.timestamp,
        stopReason: input.reason,
        stopIdTag: input.idTag,
        energyWh: input.meterStop - tx.meterStart,
        stoppedAt: input.receivedAt,
      };
      const op = this.#kv.atomic()
        .check(entry)
        .set(entry.key, done)
        .delete(["tx_active_tag", tx.idTag, tx.transactionId]);
      const open = await this.#kv.get<number>(["tx_open", tx.chargePointId, tx.connectorId]);
      if (open.value === tx.transactionId) op.check(open).delete(open.key);
      const res = await op.commit();
      return res.ok ? { outcome: "stopped", transaction: done } : undefined;
    });
    if (outcome !== "orphan") return outcome;
    await this.#keepOrphanStop(input);
    return { outcome: "orphan", transaction: null };
  }

  /** Stores the stop once under its stable key; a replay finds the key taken and stores nothing. */
  async #keepOrphanStop(input: StopTransactionInput): Promise<void> {
    const key: Deno.KvKey = [
      "orphan",
      input.chargePointId,
      input.transactionId,
      input.timestamp,
      input.meterStop,
    ];
    const record: OrphanStopRecord = {
      id: [encodeURIComponent(input.chargePointId), input.transactionId, input.timestamp, input.meterStop]
        .join("/"),
      chargePointId: input.chargePointId,
      transactionId: input.transactionId,
      idTag: input.idTag,
      meterStop: input.meterStop,
      timestamp: input.timestamp,
      reason: input.reason,
      transactionData: input.transactionData,
      receivedAt: input.receivedAt,
    };
    const seq = this.#seq.next();
    // A failed check means the same stop is already kept: that is the replay case, nothing to do.
    await this.#kv.atomic()
      .check({ key, versionstamp: null })
      .set(key, record)
      .set(["orphan_t", input.receivedAt, seq], key)
      .set(["orphan_cp", input.chargePointId, input.receivedAt, seq], key)
      .commit();
  }

  async getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    return (await this.#kv.get<TransactionRecord>(["tx", transactionId])).value;
  }

  async listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]> {
    const out: TransactionRecord[] = [];
    if (filter.limit <= 0) return out;
    // Newest first, stopping at `limit` matches: through the station's or the idTag's pointers when the filter
    // names one, else over every transaction.
    const prefix: Deno.KvKey = filter.chargePointId !== undefined
      ? ["tx_cp", filter.chargePointId]
      : filter.idTag !== undefined
      ? ["tx_tag", filter.idTag]
      : ["tx"];
    const selector: Deno.KvListSelector = filter.before === undefined
      ? { prefix }
      : { prefix, end: [...prefix, filter.before] };
    if (prefix[0] === "tx" && filter.status === "active") {
      // Active ones are at most one per connector: their pointers are few, so sort them rather than scan.
      const open: number[] = [];
      for await (const entry of this.#kv.list<number>({ prefix: ["tx_open"] })) {
        if (filter.before === undefined || entry.value < filter.before) open.push(entry.value);
      }
      open.sort((a, b) => b - a);
      for (let i = 0; i < open.length && out.length < filter.limit; i += GET_MANY_MAX) {
        const entries = await this.#getMany<TransactionRecord>(
          open.slice(i, i + GET_MANY_MAX).map((id) => ["tx", id]),
        );
        for (const entry of entries) {
          if (entry.value !== null && matches(entry.value, filter) && out.length < filter.limit) {
            out.push(entry.value);
          }
        }
      }
      return out;
    }
    if (prefix[0] === "tx") {
      for await (const entry of this.#kv.list<TransactionRecord>(selector, { reverse: true })) {
        if (matches(entry.value, filter)) out.push(entry.value);
        if (out.length >= filter.limit) break;
      }
      return out;
    }
    let ids: number[] = [];
    const take = async () => {
      const entries = await this.#getMany<TransactionRecord>(ids.map((id) => ["tx", id]));
      ids = [];
      for (const entry of entries) {
        if (entry.value !== null && matches(entry.value, filter) && out.length < filter.limit) {
          out.push(entry.value);
        }
      }
    };
    for await (const entry of this.#kv.list<number>(selector, { reverse: true, batchSize: 100 })) {
      ids.push(entry.value);
      if (ids.length >= GET_MANY_MAX) await take();
      if (out.length >= filter.limit) return out;
    }
    if (ids.length > 0) await take();
    return out;
  }

  async findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    for await (
      const entry of this.#kv.list<number>({ prefix: ["tx_active_tag", idTag] }, { reverse: true })
    ) {
      const tx = await this.getTransaction(entry.value);
      if (tx !== null && tx.status === "active") return tx;
    }
    return null;
  }

  async listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]> {
    const prefix: Deno.KvKey = page.chargePointId === undefined
      ? ["orphan_t"]
      : ["orphan_cp", page.chargePointId];
    return await this.#follow<OrphanStopRecord>(prefix, page.limit, true);
  }

  // ---------------------------------------------------------------- meter values

  async addMeterValues(rows: MeterValueRow[]): Promise<number> {
    // Dedupe within the batch first: the first of equal rows wins.
    const unique = new Map<string, { key: Deno.KvKey; row: MeterValueRow }>();
    for (const row of rows) {
      const key = await meterValueKey(row);
      const id = JSON.stringify(key);
      if (!unique.has(id)) unique.set(id, { key, row });
    }
    let added = 0;
    for (const chunk of chunkMeterValues([...unique.values()])) added += await this.#addChunk(chunk);
    return added;
  }

  async #addChunk(chunk: { key: Deno.KvKey; row: MeterValueRow }[]): Promise<number> {
    const what = `Cannot store ${chunk.length} meter values of "${chunk[0]?.row.chargePointId}"`;
    return await retry(what, async () => {
      const existing = await this.#getMany(chunk.map((c) => c.key));
      const fresh = chunk.filter((_, i) => existing[i]?.versionstamp === null);
      if (fresh.length === 0) return 0;
      const op = this.#kv.atomic();
      for (const { key, row } of fresh) {
        const seq = this.#seq.next();
        op.check({ key, versionstamp: null }).set(key, row).set([
          "mv_cp",
          row.chargePointId,
          row.timestamp,
          seq,
        ], key);
        if (row.transactionId !== null) op.set(["mv_tx", row.transactionId, row.timestamp, seq], key);
      }
      // On a conflict another writer stored some of these rows: read again and retry without them.
      const res = await op.commit();
      return res.ok ? fresh.length : undefined;
    });
  }

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    return await this.#follow<MeterValueRow>(["mv_tx", transactionId], Infinity, false);
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return await this.#follow<MeterValueRow>(["mv_cp", chargePointId], limit, true);
  }

  // ---------------------------------------------------------------- command log

  async appendCommandLog(entry: CommandLogEntry): Promise<void> {
    await this.#kv.set(["cmd", entry.chargePointId, entry.requestedAt, this.#seq.next()], entry);
  }

  async listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    return await this.#values<CommandLogEntry>(["cmd", chargePointId], limit, true);
  }

  // ---------------------------------------------------------------- helpers

  /** Records under `[prefix, id]` sorted by id, strictly after `page.after`, up to `page.limit` matches. */
  async #scanAfter<T>(prefix: [string], page: PageRequest, keep: (value: T) => boolean): Promise<T[]> {
    const out: T[] = [];
    if (page.limit <= 0) return out;
    const selector: Deno.KvListSelector = page.after === undefined
      ? { prefix }
      : { prefix, start: [...prefix, page.after] };
    for await (const entry of this.#kv.list<T>(selector)) {
      if (entry.key[1] === page.after) continue;
      if (keep(entry.value)) out.push(entry.value);
      if (out.length >= page.limit) break;
    }
    return out;
  }

  async #values<T>(prefix: Deno.KvKey, limit: number, reverse: boolean): Promise<T[]> {
    if (limit <= 0) return [];
    const out: T[] = [];
    for await (const entry of this.#kv.list<T>({ prefix }, { reverse, limit })) out.push(entry.value);
    return out;
  }

  /** Follows the pointers of an index to their records, in index order. */
  async #follow<T>(prefix: Deno.KvKey, limit: number, reverse: boolean): Promise<T[]> {
    if (limit <= 0) return [];
    const options: Deno.KvListOptions = Number.isFinite(limit) ? { reverse, limit } : { reverse };
    const pointers: Deno.KvKey[] = [];
    for await (const entry of this.#kv.list<Deno.KvKey>({ prefix }, options)) pointers.push(entry.value);
    const entries = await this.#getMany<T>(pointers);
    return entries.flatMap((e) => e.versionstamp === null ? [] : [e.value as T]);
  }

  async #getMany<T>(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
    const groups: Deno.KvKey[][] = [];
    for (let i = 0; i < keys.length; i += GET_MANY_MAX) groups.push(keys.slice(i, i + GET_MANY_MAX));
    const results = await Promise.all(groups.map((g) => this.#kv.getMany<T[]>(g)));
    return results.flat();
  }
}

/** A record with the lastSeen of a later touch, if there was one. */
function withLastSeen(record: ChargePointRecord, seen: string | null): ChargePointRecord {
  return seen === null ? record : { ...record, lastSeen: seen };
}

function matches(tx: TransactionRecord, f: TransactionFilter): boolean {
  return (f.chargePointId === undefined || tx.chargePointId === f.chargePointId) &&
    (f.connectorId === undefined || tx.connectorId === f.connectorId) &&
    (f.idTag === undefined || tx.idTag === f.idTag) &&
    (f.status === undefined || tx.status === f.status) &&
    (f.from === undefined || tx.startTimestamp >= f.from) &&
    (f.to === undefined || tx.startTimestamp < f.to);
}

/** The dedupe key of a meter value; hashed when the plain key would come near KV's 2 KiB limit. */
async function meterValueKey(row: MeterValueRow): Promise<Deno.KvKey> {
  const parts = [
    row.chargePointId,
    row.connectorId,
    row.timestamp,
    row.measurand,
    row.phase ?? "",
    row.location,
    row.value,
  ] as const;
  const key: Deno.KvKey = ["mv", ...parts];
  if (keyBytes(key) <= MAX_MV_KEY_BYTES) return key;
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(JSON.stringify(parts)));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return ["mv_h", hex];
}

/** Splits rows into chunks that each fit comfortably in one atomic commit. */
function chunkMeterValues<T extends { key: Deno.KvKey; row: MeterValueRow }>(items: T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let keyBudget = 0;
  let byteBudget = 0;
  for (const item of items) {
    // The row's key is written three times (row + two index values) and twice more as index keys' worth.
    const k = keyBytes(item.key) * 3 + 200;
    const b = k + encoder.encode(JSON.stringify(item.row)).length * 2 + 200;
    if (
      current.length > 0 &&
      (current.length >= MV_CHUNK_ROWS || keyBudget + k > MV_CHUNK_KEY_BYTES ||
        byteBudget + b > MV_CHUNK_BYTES)
    ) {
      chunks.push(current);
      current = [];
      keyBudget = 0;
      byteBudget = 0;
    }
    current.push(item);
    keyBudget += k;
    byteBudget += b;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** An upper bound of a key's encoded size. */
function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const part of key) n += (typeof part === "string" ? encoder.encode(part).length : 16) + 2;
  return n;
}

/**
 * Runs `attempt` until it returns a value; `undefined` means an atomic commit lost a race. Backs off a little,
 * with jitter, so concurrent writers do not collide again in lock step.
 */
async function retry<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const result = await attempt();
    if (result !== undefined) return result;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** i, 50)));
  }
  throw new Error(`${what}: still conflicting after ${MAX_ATTEMPTS} attempts`);
}

/** Monotonic within the process; sortable as a string; a random tail keeps keys unique across processes. */
class Sequence {
  #lastMs = 0;
  #count = 0;

  next(): string {
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#count = 0;
    } else {
      this.#count++;
    }
    const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).padStart(7, "0");
    return `${this.#lastMs.toString(36).padStart(9, "0")}.${
      this.#count.toString(36).padStart(6, "0")
    }.${random}`;
  }
}
