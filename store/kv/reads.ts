/**
 * The point reads of the station hot path on Deno KV, and what they and our own commits teach about the
 * transaction guards.
 *
 * - `get`, `getMany`: the lookups of many actors within one tick, or while the handle's previous calls are
 *   out, become `getMany` calls of ten keys (Deno KV's limit), which cost the SQLite thread far less per key
 *   than one `get` each. Each read is as fresh as a `get` issued at that moment; the keys of one `getMany` are
 *   read at one snapshot.
 * - `recall`: the last entry (value and versionstamp) seen for a transaction guard key (`["tx", id]`,
 *   `["tx_open", ..]`, `["tx_start", ..]`, `["tx_sid", ..]`) or a station record (`["cp", id]`), by such a
 *   read or written by one of our commits. The group commit plans against it instead of reading the key
 *   again, and checks its versionstamp in the same atomic: the commit holds only if the key is still what was
 *   planned against, exactly as if it had been read at commit time; if not (another process or a write
 *   outside the group commit changed it), the members are planned again reading first.
 *
 * Bounded, guards and records apart: the oldest entries are forgotten first (a forgotten key is simply read
 * again).
 */
import { GET_MANY_MAX, keyId } from "./keys.ts";
import { setMostRecent } from "../../model/recency.ts";

/** Guard entries remembered at most (a few per station with a transaction under way). */
const REMEMBERED_MAX = 8192;

/**
 * Station records remembered at most: the stations writing now (a snapshot patch at every Boot, Status,
 * Start and Stop), not every station held (their records are larger than the guards).
 */
const RECORDS_MAX = 2048;

/** The key kinds whose entries are remembered: small values, guards of Start/Stop. */
const GUARD_KINDS = new Set(["tx", "tx_open", "tx_start", "tx_sid"]);

/** The station record's kind, remembered apart (see RECORDS_MAX). */
const RECORD_KIND = "cp";

interface Waiting {
  keys: Deno.KvKey[];
  resolve: (entries: Deno.KvEntryMaybe<unknown>[]) => void;
  reject: (error: unknown) => void;
}

/**
 * The batching of one KV handle's point reads, shared by every `KvReads` on it: what is asked while nothing is
 * being read goes out at the end of the tick; what is asked while `getMany` calls are out waits for them to
 * return and then goes out together (a boot burst's lookups become a few full `getMany` calls, not one per
 * station). A read always goes in a call made after it was asked, so it is as fresh as its own `get`.
 */
class ReadBatcher {
  #waiting: Waiting[] = [];
  /** Shared one-key reads waiting to go out, by key: a caller asking the same key joins one (see `getShared`). */
  #shared = new Map<string, Promise<Deno.KvEntryMaybe<unknown>[]>>();
  #flushQueued = false;
  /** `getMany` calls out now; while there are any, new reads wait for them. */
  #inFlight = 0;

  constructor(private readonly kv: Deno.Kv) {}

  getMany(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<unknown>[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ keys, resolve, reject });
      if (this.#flushQueued || this.#inFlight > 0) return;
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    });
  }

  /**
   * One key, read once for every caller that asks for it before it goes out: each gets a read made after it
   * asked, as fresh as its own.
   */
  getShared(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<unknown>[]> {
    const id = keyId(key);
    let read = this.#shared.get(id);
    if (!read) this.#shared.set(id, read = this.getMany([key]));
    return read;
  }

  /** The waiting reads in `getMany` calls of up to ten keys, never splitting one caller's keys. */
  #flush(): void {
    this.#flushQueued = false;
    // They all go out now: a later ask reads again.
    this.#shared.clear();
    const waiting = this.#waiting;
    this.#waiting = [];
    let chunk: Waiting[] = [];
    let size = 0;
    for (const w of waiting) {
      if (size + w.keys.length > GET_MANY_MAX) {
        this.#read(chunk);
        chunk = [];
        size = 0;
      }
      chunk.push(w);
      size += w.keys.length;
    }
    if (chunk.length > 0) this.#read(chunk);
  }

  #read(chunk: Waiting[]): void {
    this.#inFlight++;
    let keys: Deno.KvKey[];
    if (chunk.length === 1) keys = chunk[0]!.keys;
    else {
      keys = [];
      for (const w of chunk) for (const key of w.keys) keys.push(key);
    }
    this.kv.getMany<unknown[]>(keys).then(
      (entries) => {
        this.#returned();
        let at = 0;
        for (const w of chunk) {
          w.resolve(chunk.length === 1 ? entries : entries.slice(at, at + w.keys.length));
          at += w.keys.length;
        }
      },
      (error) => {
        this.#returned();
        for (const w of chunk) w.reject(error);
      },
    );
  }

  /** A call returned: once none is out, what waited meanwhile goes out. */
  #returned(): void {
    this.#inFlight--;
    if (this.#inFlight > 0 || this.#waiting.length === 0 || this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }
}

const batchers = new WeakMap<Deno.Kv, ReadBatcher>();

function batcherOf(kv: Deno.Kv): ReadBatcher {
  let batcher = batchers.get(kv);
  if (!batcher) batchers.set(kv, batcher = new ReadBatcher(kv));
  return batcher;
}

export class KvReads {
  readonly #batcher: ReadBatcher;
  readonly #remembered = new Map<string, Deno.KvEntryMaybe<unknown>>();
  readonly #records = new Map<string, Deno.KvEntryMaybe<unknown>>();

  constructor(kv: Deno.Kv) {
    this.#batcher = batcherOf(kv);
  }

  /** One key, read together with the other keys asked for in this tick. */
  async get<T>(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<T>> {
    return (await this.getMany<T>([key]))[0]!;
  }

  /**
   * Up to ten keys read at one snapshot (one `getMany`), together with the other reads of this tick (of every
   * `KvReads` on the handle), or of the time the handle's previous calls take.
   */
  async getMany<T>(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
    if (keys.length > GET_MANY_MAX) throw new Error(`Cannot read ${keys.length} keys at one snapshot`);
    const entries = await this.#batcher.getMany(keys);
    this.learn(entries);
    return entries as Deno.KvEntryMaybe<T>[];
  }

  /**
   * One key, read together with the other keys asked for in this tick, and once for all who ask for it in
   * that time (a counter every lookup checks). Not remembered.
   */
  async getShared<T>(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<T>> {
    return (await this.#batcher.getShared(key))[0] as Deno.KvEntryMaybe<T>;
  }

  /** Remembers the entries of guard keys (fresh reads). */
  learn(entries: readonly Deno.KvEntryMaybe<unknown>[]): void {
    for (const entry of entries) this.#remember(entry);
  }

  /** What a committed atomic wrote, at its versionstamp. */
  learnCommit(mutations: readonly Deno.KvMutation[], versionstamp: string): void {
    for (const m of mutations) {
      const map = this.#mapOf(m.key);
      if (map === null) continue;
      if (m.type === "set") this.#remember({ key: m.key, value: m.value, versionstamp });
      else if (m.type === "delete") this.#remember({ key: m.key, value: null, versionstamp: null });
      else map.delete(keyId(m.key));
    }
  }

  /** The remembered entry of `key`, or undefined (then read it). */
  recall(key: Deno.KvKey): Deno.KvEntryMaybe<unknown> | undefined {
    return this.#mapOf(key)?.get(keyId(key));
  }

  /** Forgets `keys` (their entries proved stale). */
  forget(keys: readonly Deno.KvKey[]): void {
    for (const key of keys) this.#mapOf(key)?.delete(keyId(key));
  }

  #mapOf(key: Deno.KvKey): Map<string, Deno.KvEntryMaybe<unknown>> | null {
    const kind = key[0] as string;
    return GUARD_KINDS.has(kind) ? this.#remembered : kind === RECORD_KIND ? this.#records : null;
  }

  #remember(entry: Deno.KvEntryMaybe<unknown>): void {
    const map = this.#mapOf(entry.key);
    if (map === null) return;
    setMostRecent(map, keyId(entry.key), entry, map === this.#records ? RECORDS_MAX : REMEMBERED_MAX);
  }
}

const shared = new WeakMap<Deno.Kv, KvReads>();

/**
 * The coalescing reader other parts of the KV store share per handle for their point reads on the hot path
 * (a station's site, profile support, security record, local list version: read on every boot or
 * transaction event). Its remembered entries are not used: only a KvStore plans against its own.
 */
export function sharedReads(kv: Deno.Kv): KvReads {
  let reads = shared.get(kv);
  if (!reads) shared.set(kv, reads = new KvReads(kv));
  return reads;
}
