/**
 * The meter value journal of a KV store on a local file (or `:memory:`): a MeterValues group commit writes
 * each new group under `["mv_j", n, cpId, timestamp, connectorId]` (`n` a number that grows with every entry,
 * also across restarts: it starts after the last entry left), its value the bytes its group will hold
 * (`groupBytes`), checked absent from the station's list in the same atomic. Those keys are appended at the
 * right edge of KV's B-tree, one commit's entries side by side: about 4 µs of SQLite per row, where a row in
 * the station's list (a page of its own per station) costs about 55. A background applier moves the entries,
 * sorted by station, into the station's list (`["mv_cp", ..]` checked absent, `["mv_tx", ..]`, each entry's
 * versionstamp checked), so a station's groups of the last second or so share one page write; then it deletes
 * the applied entries in journal order, a few pages per atomic. (Deleted in the atomic that applies them,
 * entries sorted by station would rewrite a journal page each: measured, that kept most of the cost. Between
 * the two, an entry whose group is stored is applied again as a replay: nothing new, then deleted.)
 *
 * Exactly-once: what this process journaled and has not applied is indexed in memory by the group's key (one
 * process owns a local file). A group whose key is pending is a replay when its sampled values are all in
 * the pending group (nothing stored), else its station is planned again reading first after the journal is
 * applied (`drain`). A group applied already is found by the absent-check, as before. The applier checks each
 * entry's versionstamp (another process, a CLI task on the same file, may apply it at the same time); an
 * entry whose group key is taken already is stored the slow way (`fallback`: read, then store what the stored
 * group lacks), then deleted: never dropped.
 *
 * Only stations that send often journal (`journalFrom`, journal_rule.ts), and only in large group commits
 * (`batchFrom`): the applier's saving is one page write for all of a station's groups of an interval, which a
 * station with one group per interval does not get, and which pays for the entry's write, checks, delete and
 * the applier's JavaScript only when the stations' pages are what limits the store (measured:
 * bench/README.md, "KV meter journal, adaptive"). The others' groups go straight into their lists as without
 * a journal (checked absent in the commit); a group pending here is found first either way, and a station
 * with groups pending keeps journaling until they are applied. From `maxPending` pending groups on, every new
 * group goes straight to its list until the applier catches up: the journal defers a bounded amount of work
 * (unbounded, a saturated server journaled faster than it applied and paid the backlog in the next load).
 *
 * Reads drain first: whatever was answered is in the station's list when listed. At open, leftover entries
 * (a crash) are applied before the first commit.
 *
 * Not on Deno Deploy (KV without a path): there several processes share the database, the in-memory index
 * would not be exact; the station's list is written directly there, as before.
 */
import type { StationChanges } from "../../model/changes.ts";
import { keyId, meterValueId, type Sequence } from "./keys.ts";
import {
  decodeGroup,
  groupBytes,
  type MeterLayout,
  planMeterValues,
  type PreparedGroup,
  transactionPointers,
} from "./meter_values.ts";
import type { WriteSet } from "./write_set.ts";
import { JournalRule } from "./journal_rule.ts";

export const JOURNAL_PREFIX = "mv_j";

export interface MeterJournalOptions {
  /** How long the applier waits after a journaled commit, in ms (default 1500). */
  intervalMs?: number;
  /** Pending groups from which the applier runs at once (default 20,000). */
  eagerAt?: number;
  /**
   * Meter value commits per interval from which a station's new groups are journaled (journal_rule.ts);
   * below, they are written to its list at once. Default 0: every commit journals.
   */
  journalFrom?: number;
  /**
   * MeterValues commits in one group commit from which its stations may journal (with `journalFrom`); in a
   * smaller one their groups go to their lists at once. Default 0: any.
   */
  batchFrom?: number;
  /**
   * Pending groups from which new groups go straight to their lists until the applier catches up (default
   * 5,000): under sustained load the journal defers at most this much work, it does not grow without end.
   */
  maxPending?: number;
  /** The rule's window, in ms (default `intervalMs`). */
  rateWindowMs?: number;
  /** The rule's clock, in ms (tests). */
  now?: () => number;
}

/**
 * The server's rule (store/open.ts): a station journals from 4 meter value commits per interval on, in group
 * commits of 100 MeterValues or more (bench/README.md, "KV meter journal, adaptive").
 */
export const ADAPTIVE_JOURNAL_FROM = 4;
export const ADAPTIVE_BATCH_FROM = 100;

/** A group this process journaled: its key in the station's list (its id) and its entry's value. */
export interface Journaled {
  key: Deno.KvKey;
  id: string;
  bytes: Uint8Array;
}

/** Stores a group the slow way (reading first): the group commit's member-alone path. */
export type Fallback = (changes: StationChanges) => Promise<unknown>;

/**
 * Entries listed per round of the applier: a station's groups of one round share its page, so a round should
 * hold all the journal usually holds (the groups of about one interval).
 */
const LIST_LIMIT = 20_000;
/** Groups per atomic of the applier: two checks each (Deno KV: 100 checks per atomic). */
const GROUPS_PER_ATOMIC = 48;
/** Value bytes per atomic of the applier (Deno KV: 800 KiB per atomic, keys included). */
const BYTES_PER_ATOMIC = 400 * 1024;
/**
 * The applier's atomics in flight at once. One at a time, a busy event loop (a saturated server) resumes the
 * applier once per turn: it applied a few hundred groups a second while stations journaled thousands, and the
 * backlog was paid later, in whatever load came next.
 */
const CHUNKS_IN_FLIGHT = 8;
/** Journal entries deleted per atomic (contiguous keys: a few pages). */
const DELETES_PER_ATOMIC = 800;
/** Attempts of the applier on one entry another writer keeps changing. */
const MAX_ATTEMPTS = 10;

/** Whether `kv` holds journal entries not applied yet (a crash with the journal on). */
export async function hasJournalEntries(kv: Deno.Kv): Promise<boolean> {
  for await (const _ of kv.list({ prefix: [JOURNAL_PREFIX] }, { limit: 1 })) return true;
  return false;
}

/** The journals open on each handle (retention drains them before it reads the stations' lists). */
const journals = new WeakMap<Deno.Kv, Set<MeterJournal>>();

/** Applies the meter journals open on `kv` (see `MeterJournal.drain`). */
export async function drainMeterJournals(kv: Deno.Kv): Promise<void> {
  await Promise.all([...(journals.get(kv) ?? [])].map((j) => j.drain()));
}

interface Item {
  entry: Deno.KvEntry<Uint8Array>;
  /** The group's key in the station's list. */
  key: Deno.KvKey;
  group: Deno.KvEntry<Uint8Array>;
}

export class MeterJournal {
  readonly #kv: Deno.Kv;
  readonly #fallback: Fallback;
  readonly #intervalMs: number;
  readonly #eagerAt: number;
  /**
   * Pending groups by their key's id (`keyId`): journaled by this process, not yet applied. Their entries'
   * bytes, decoded only for a replay (keeping the rows would move them all into the old generation).
   */
  readonly #pending = new Map<string, Journaled>();
  /** Pending groups per station: a station with some keeps journaling (its page is the applier's anyway). */
  readonly #pendingByStation = new Map<string, number>();
  readonly #rule: JournalRule;
  readonly #batchFrom: number;
  readonly #maxPending: number;
  #next = 0;
  #recovered: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerEager = false;
  /** The applier's runs, one at a time. */
  #chain: Promise<void> = Promise.resolve();
  /** A run queued and not started yet: a drain asked for meanwhile joins it. */
  #queued: Promise<void> | null = null;
  #closed = false;

  constructor(kv: Deno.Kv, fallback: Fallback, options: MeterJournalOptions = {}) {
    this.#kv = kv;
    this.#fallback = fallback;
    this.#intervalMs = options.intervalMs ?? 1500;
    this.#eagerAt = options.eagerAt ?? 20_000;
    this.#maxPending = options.maxPending ?? 5_000;
    this.#batchFrom = options.batchFrom ?? 0;
    this.#rule = new JournalRule({
      windowMs: options.rateWindowMs ?? this.#intervalMs,
      from: options.journalFrom ?? 0,
      ...(options.now ? { now: options.now } : {}),
    });
    const open = journals.get(kv) ?? new Set();
    open.add(this);
    journals.set(kv, open);
  }

  /** How many groups this process journaled and has not applied yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Once, before the first commit: numbers new entries after the last one left, and applies what a crash
   * left in the journal.
   */
  recover(): Promise<void> {
    this.#recovered ??= (async () => {
      for await (const e of this.#kv.list({ prefix: [JOURNAL_PREFIX] }, { reverse: true, limit: 1 })) {
        this.#next = Math.max(this.#next, (e.key[1] as number) + 1);
      }
      await this.drain();
    })().catch((error) => {
      this.#recovered = null;
      throw error;
    });
    return this.#recovered;
  }

  /**
   * Adds a station's meter value groups to `set` (the layout must be the current one): new groups as journal
   * entries, their key in the station's list checked absent, when the station journals (it has groups
   * pending, or the rule says so and the group commit holds `batchMeters` >= `batchFrom` MeterValues
   * commits), else straight into its list as without a journal; groups too large or repeating a time of this
   * commit as today (`planMeterValues`). Either way a group pending here is found first. Returns what it
   * journaled, or null when a group overlaps one pending here without being a replay of it: then the station
   * must be planned reading first, after `drain`.
   */
  plan(
    chargePointId: string,
    batchMeters: number,
    groups: readonly PreparedGroup[],
    layout: MeterLayout,
    set: WriteSet,
    seq: Sequence,
  ): Journaled[] | null {
    const journaled: Journaled[] = [];
    let journals: boolean | undefined;
    for (const g of groups) {
      const id = g.key === null ? null : keyId(g.key);
      const pending = id === null ? undefined : this.#pending.get(id);
      if (pending !== undefined) {
        if (!g.first) return null;
        const stored = decodeGroup({ key: pending.key, value: pending.bytes, versionstamp: "" });
        const ids = new Set(stored.map(meterValueId));
        if (g.rows.every((r) => ids.has(meterValueId(r.row)))) continue;
        return null;
      }
      if (g.first && g.key !== null) {
        // Decided once per commit (the rule counts commits: a station's groups of one commit share a page),
        // the commit counted whatever the pending groups say.
        journals ??= ((this.#rule.note(chargePointId) && batchMeters >= this.#batchFrom) ||
          this.#pendingByStation.has(chargePointId)) && this.#pending.size < this.#maxPending;
      }
      if (!g.first || g.key === null || !journals) {
        planMeterValues([g], null, layout, set, seq);
        continue;
      }
      const rows = g.rows.map((r) => r.row);
      const row = rows[0]!;
      const key = [JOURNAL_PREFIX, this.#next++, row.chargePointId, row.timestamp, row.connectorId];
      const bytes = groupBytes(rows, seq.next());
      set.unit([{ key: g.key, versionstamp: null }], [[key, bytes]], rows.length);
      journaled.push({ key: g.key, id: id!, bytes });
    }
    return journaled;
  }

  /** What `plan` journaled is committed: index it, and have it applied soon. */
  committed(journaled: readonly Journaled[]): void {
    if (journaled.length === 0) return;
    for (const j of journaled) {
      // Two group commits of a station in flight at once may journal one group key: it is applied (and
      // `#done` counts it off) once, so it is counted once.
      const counted = this.#pending.has(j.id);
      this.#pending.set(j.id, j);
      if (counted) continue;
      const station = j.key[1] as string;
      this.#pendingByStation.set(station, (this.#pendingByStation.get(station) ?? 0) + 1);
    }
    this.#schedule();
  }

  /**
   * Applies every entry in the journal when it is called (and whatever came meanwhile), after the run in
   * progress: reads call it first.
   */
  drain(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    const run = this.#chain.then(() => {
      this.#queued = null;
      return this.#applyAll();
    });
    this.#queued = run;
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Stops the applier, then applies what is left (a crash before would leave it for the next open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      await this.drain();
    } finally {
      journals.get(this.#kv)?.delete(this);
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    const eager = this.#pending.size >= this.#eagerAt;
    if (this.#timer !== null) {
      if (!eager || this.#timerEager) return;
      clearTimeout(this.#timer);
    }
    this.#timerEager = eager;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      // A failed run leaves its entries in the journal (durable): the next run applies them.
      this.drain().catch(() => {}).finally(() => {
        if (this.#pending.size > 0) this.#schedule();
      });
    }, eager ? 0 : this.#intervalMs);
  }

  async #applyAll(): Promise<void> {
    for (;;) {
      const items: Item[] = [];
      for await (
        const entry of this.#kv.list<Uint8Array>({ prefix: [JOURNAL_PREFIX] }, { limit: LIST_LIMIT })
      ) {
        const key: Deno.KvKey = ["mv_cp", entry.key[2]!, entry.key[3]!, entry.key[4]!];
        items.push({ entry, key, group: { key, value: entry.value, versionstamp: entry.versionstamp } });
      }
      if (items.length === 0) return;
      // A station's groups side by side: they share its page of the list, written once per atomic.
      items.sort((a, b) => compareKeys(a.key, b.key));
      const chunks: Item[][] = [];
      let chunk: Item[] = [];
      let bytes = 0;
      for (const item of items) {
        // Two entries of one group key (two group commits of a station in flight at once) never share an
        // atomic: both absent-checks would pass and the second set would overwrite the first. Apart, the
        // second's check fails and it is stored the slow way (`#applyOne`).
        const sameKey = chunk.length > 0 && compareKeys(chunk[chunk.length - 1]!.key, item.key) === 0;
        if (
          sameKey || chunk.length >= GROUPS_PER_ATOMIC || bytes + item.entry.value.length > BYTES_PER_ATOMIC
        ) {
          chunks.push(chunk);
          chunk = [];
          bytes = 0;
        }
        chunk.push(item);
        bytes += item.entry.value.length + 256;
      }
      if (chunk.length > 0) chunks.push(chunk);
      await eachInFlight(chunks, CHUNKS_IN_FLIGHT, (c) => this.#applyChunk(c));
      await this.#deleteApplied();
      if (items.length < LIST_LIMIT) return;
    }
  }

  /**
   * Entries whose groups a chunk's atomic wrote, to delete in journal order (`#deleteApplied`): deleted by the
   * atomic that applies them, entries sorted by station would each rewrite a page of the journal.
   */
  #applied: Deno.KvKey[] = [];

  async #applyChunk(chunk: readonly Item[]): Promise<void> {
    if ((await commitWaiting(() => this.#applyAtomic(chunk, false))).ok) {
      for (const item of chunk) {
        this.#applied.push(item.entry.key);
        this.#done(item);
      }
      return;
    }
    for (const item of chunk) await this.#applyOne(item);
  }

  /**
   * Deletes the entries applied, in key order (a few pages per atomic). Should the process die before, the
   * next run finds their groups stored and stores nothing new for them (`#applyOne`), then deletes them.
   */
  async #deleteApplied(): Promise<void> {
    const keys = this.#applied.sort((a, b) => (a[1] as number) - (b[1] as number));
    this.#applied = [];
    const slices: Deno.KvKey[][] = [];
    for (let i = 0; i < keys.length; i += DELETES_PER_ATOMIC) {
      slices.push(keys.slice(i, i + DELETES_PER_ATOMIC));
    }
    await eachInFlight(slices, CHUNKS_IN_FLIGHT, async (slice) => {
      await commitWaiting(() => {
        const op = this.#kv.atomic();
        for (const key of slice) op.delete(key);
        return op;
      });
    });
  }

  /**
   * Moves the entries to the station's list (and deletes them, with `deleteEntries`), if each is still there
   * and its group absent.
   */
  #applyAtomic(chunk: readonly Item[], deleteEntries: boolean): Deno.AtomicOperation {
    const op = this.#kv.atomic();
    for (const { entry, key, group } of chunk) {
      op.check(entry, { key, versionstamp: null }).set(key, entry.value);
      if (deleteEntries) op.delete(entry.key);
      const [transactionId, receivedAt, seq] = JSON.parse(fromUtf8.decode(entry.value)) as [
        number | null,
        string,
        string,
      ];
      if (transactionId !== null) {
        const row = { transactionId, timestamp: group.key[2] as string, receivedAt };
        for (const [pointer, to] of transactionPointers(row, seq, key)) op.set(pointer, to);
      }
    }
    return op;
  }

  /**
   * One entry whose atomic failed: applied alone; gone (another process applied it): done; its group key taken
   * (another writer stored that connector and time): its sampled values stored the slow way, then deleted.
   */
  async #applyOne(item: Item): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if ((await commitWaiting(() => this.#applyAtomic([item], true))).ok) return this.#done(item);
      const now = await this.#kv.get(item.entry.key);
      if (now.versionstamp !== item.entry.versionstamp) return this.#done(item);
      const group = await this.#kv.get(item.key);
      if (group.versionstamp === null) continue;
      const rows = decodeGroup(item.group);
      await this.#fallback({ chargePointId: rows[0]!.chargePointId, meterValues: rows });
      // Stored (a replay of it stores nothing new): the entry goes, unless another process took it already.
      await commitWaiting(() => this.#kv.atomic().check(item.entry).delete(item.entry.key));
      return this.#done(item);
    }
    // Still in the journal and still pending: the next run tries again.
    throw new Error(`Cannot apply the meter journal entry ${keyId(item.entry.key)}: still conflicting`);
  }

  /** The group is in the station's list: its absent-check finds a replay from now on. */
  #done(item: Item): void {
    if (!this.#pending.delete(keyId(item.key))) return;
    const station = item.key[1] as string;
    const left = (this.#pendingByStation.get(station) ?? 1) - 1;
    if (left > 0) this.#pendingByStation.set(station, left);
    else this.#pendingByStation.delete(station);
  }
}

const fromUtf8 = new TextDecoder();

/** Runs `work` on each item, at most `limit` at once; rejects with the first failure after all settled. */
async function eachInFlight<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** How long an atomic of the applier waits for another connection's write lock on the file. */
const LOCKED_WAIT_MS = 5000;

/**
 * Commits the atomic `build` makes; SQLite refuses at once a write that checks (reads) while another
 * connection holds the file's write lock (a backup, another process): built again and retried until the
 * lock is gone, as the group commit's member-alone path does.
 */
async function commitWaiting(
  build: () => Deno.AtomicOperation,
): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  const waitUntil = Date.now() + LOCKED_WAIT_MS;
  let pause = 10;
  for (;;) {
    try {
      return await build().commit();
    } catch (error) {
      if (!String(error).includes("database is locked") || Date.now() + pause > waitUntil) throw error;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 250);
    }
  }
}

function compareKeys(a: Deno.KvKey, b: Deno.KvKey): number {
  for (let i = 0; i < a.length; i++) {
    // Station, time (strings), connector (a number).
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
