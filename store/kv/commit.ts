/**
 * Group commit on Deno KV: the `commit` calls of many stations become as few `atomic()` commits as KV's
 * limits allow. Deno KV has one writer (SQLite), so one batch is in flight at a time and whatever arrives
 * meanwhile forms the next batch, written as soon as this one ends ("whileBusy"): no added latency when idle,
 * large batches under load.
 *
 * A batch: read every key the members decide against (in parallel, ten per read; meter values are not read
 * but checked inside the write; transaction guards and station records our reads or commits left in
 * `KvReads` are recalled instead, and checked), plan each member's writes (a member whose guards fail against what is stored
 * gets a conflict and writes nothing), pack the write sets into atomics without splitting a member, commit
 * them. An atomic whose check fails (a replayed meter value, another process writing meanwhile) or that KV
 * refuses (a value too large) is retried member by member, each reading first, so one station never fails
 * another; each caller is settled only with the outcome of the atomic holding its writes.
 *
 * With a meter journal (a local file, see meter_journal.ts), the new meter value groups of stations that send
 * often are journaled instead of written to their lists; a station whose groups overlap pending ones partly
 * is planned reading first, after the journal is applied.
 */
import { type CommitResult, type StationChanges } from "../../model/changes.ts";
import { type BatchResult, type CommitObserver, GroupCommit, settlesLater } from "../group_commit.ts";
import { inRounds } from "../rounds.ts";
import { planStation, stationKeys, statusReportKeys } from "./charge_points.ts";
import { commandLogPointerKeys, commandLogRowKeys, planCommandLog } from "./command_log.ts";
import { deviceModelKeys, planDeviceModel } from "./device_model.ts";
import { planFileStatus } from "./file_status.ts";
import { planTransactionFlags } from "./fleet_records.ts";
import { getAll, keyId, sameKey, type Sequence } from "./keys.ts";
import {
  groupRows,
  type MeterLayout,
  meterLayout,
  planMeterValues,
  type PreparedGroup,
} from "./meter_values.ts";
import { type Journaled, MeterJournal, type MeterJournalOptions } from "./meter_journal.ts";
import type { KvReads } from "./reads.ts";
import { planTransactions, transactionKeys } from "./transactions.ts";
import { atomicOf, atomicOfUnit, pack, splitOversize, WriteSet } from "./write_set.ts";

export interface KvCommitOptions {
  /**
   * How long the first commit of a group waits for company, in ms; default "whileBusy": not at all when no
   * commit is in flight (see `GroupCommit`).
   */
  groupCommitMs?: number | "whileBusy";
  /** A group is written at once when it reaches this many callers (default 2000). */
  groupCommitMaxCallers?: number;
  /** Called after each batch, for metrics and tests. */
  onBatch?: (info: KvBatchInfo) => void;
  /** Told about each group commit's size and duration (metrics). */
  commitObserver?: CommitObserver;
  /**
   * Journal new meter value groups and apply them in the background (see meter_journal.ts): only when this
   * process alone writes the KV file (a local file or `:memory:`, never Deno Deploy). Default off.
   */
  meterJournal?: boolean | MeterJournalOptions;
}

export interface KvBatchInfo {
  /** How many `commit` calls the batch served. */
  callers: number;
  /** How many atomics it took. */
  atomics: number;
  /** Members retried one by one after their atomic failed. */
  retriedAlone: number;
}

/** A member settles with its result, or later with its write alone; the batch keeps going. */
type Settled = BatchResult<CommitResult>;

/** How often one member alone is re-read and re-planned when another process keeps winning its checks. */
const MAX_ALONE_ATTEMPTS = 20;

/** How long one member alone waits for another connection's write lock on the file before it fails. */
const LOCKED_WAIT_MS = 5000;

interface Prepared {
  changes: StationChanges;
  /** The keys to read before planning. */
  keys: Deno.KvKey[];
  /** Guard entries and station records remembered instead of read: planned against, checked in the atomic. */
  recalled: Deno.KvEntryMaybe<unknown>[];
  /** The command log pointers of its entries, read in `prepare` (fresh, unlike `recalled`): checked too. */
  commandPointers: Deno.KvEntryMaybe<unknown>[];
  groups: PreparedGroup[];
}

type Plan = { set: WriteSet; journaled: Journaled[] } | { conflict: string } | { again: true };

export class KvCommitter {
  readonly #group: GroupCommit<StationChanges, CommitResult>;
  /** What earlier layouts of meter values the file may hold (see meter_values.ts), found once. */
  #layout: Promise<MeterLayout> | null = null;
  readonly #journal: MeterJournal | null;
  /**
   * The members written alone (too large for one atomic, or their atomic's checks failed), one after another
   * after their batch: a station's large write (an offline station's buffered meter values, thousands of
   * groups) took its batch, and every station's next one, seconds of reads and atomics to store. Each is
   * answered when its own write is stored.
   */
  #alone: Promise<void> = Promise.resolve();
  /** Stations with a write waiting there: their next writes queue behind it, so a station's writes keep order. */
  readonly #aloneStations = new Map<string, number>();

  constructor(
    private readonly kv: Deno.Kv,
    private readonly seq: Sequence,
    private readonly reads: KvReads,
    private readonly options: KvCommitOptions = {},
  ) {
    this.#group = new GroupCommit(
      options.groupCommitMs ?? "whileBusy",
      options.groupCommitMaxCallers ?? 2000,
      (batch) => this.#commitBatch(batch),
      options.commitObserver,
    );
    const journal = options.meterJournal ?? false;
    this.#journal = journal === false ? null : new MeterJournal(
      kv,
      // An entry whose group key another writer took: stored reading first, like a member alone.
      async (changes) => this.#commitAlone(changes, await this.#meterLayout()),
      journal === true ? {} : journal,
    );
  }

  /** The meter journal, when on: reads drain it first. */
  get journal(): MeterJournal | null {
    return this.#journal;
  }

  submit(changes: StationChanges): Promise<CommitResult> {
    return this.#group.submit(changes);
  }

  async drain(): Promise<void> {
    await this.#group.drain();
    await this.#alone;
  }

  /** Writes the commits pending, then stops the meter journal's applier (applying what is left). */
  async close(): Promise<void> {
    await this.drain();
    await this.#journal?.close();
  }

  /**
   * Queues a member's write alone, after those queued before it; its outcome is the member's. `planned`: its
   * batch's plan, tried first (see `#commitAlone`).
   */
  #writeAlone(
    changes: StationChanges,
    layout: MeterLayout,
    planned: WriteSet | null = null,
  ): Promise<CommitResult> {
    const station = changes.chargePointId;
    this.#aloneStations.set(station, (this.#aloneStations.get(station) ?? 0) + 1);
    const outcome = this.#alone.then(async () => {
      // Reading first decides against the stations' lists: the journal's groups must be in them.
      await this.#journal?.drain();
      return await this.#commitAlone(changes, layout, planned);
    });
    const done = () => {
      const left = this.#aloneStations.get(station)! - 1;
      if (left === 0) this.#aloneStations.delete(station);
      else this.#aloneStations.set(station, left);
    };
    this.#alone = outcome.then(done, done);
    return outcome;
  }

  #meterLayout(): Promise<MeterLayout> {
    this.#layout ??= meterLayout(this.kv).catch((error) => {
      this.#layout = null;
      throw error;
    });
    return this.#layout;
  }

  async #commitBatch(batch: StationChanges[]): Promise<Settled[]> {
    const layout = await this.#meterLayout();
    await this.#journal?.recover();
    let atomics = 0;
    let retriedAlone = 0;
    // How many members store meter values: the journal pays only in large group commits (meter_journal.ts).
    const meters = batch.reduce((n, m) => (m.meterValues?.length ? n + 1 : n), 0);
    const results = await inRounds(batch, async (members) => {
      const out = await this.#commitRound(members, layout, false, meters);
      atomics += out.atomics;
      retriedAlone += out.retriedAlone;
      return out.results;
    });
    this.options.onBatch?.({ callers: batch.length, atomics, retriedAlone });
    return results;
  }

  /**
   * Members of distinct stations: their keys never overlap. Optimistic first (meter values checked inside
   * the write); the members of an atomic whose checks failed are written again reading first, then alone.
   */
  async #commitRound(
    members: StationChanges[],
    layout: MeterLayout,
    readRows = false,
    meters = 0,
  ): Promise<{ results: Settled[]; atomics: number; retriedAlone: number }> {
    if (this.#aloneStations.size > 0 && members.some((m) => this.#aloneStations.has(m.chargePointId))) {
      return await this.#commitRoundBehind(members, layout, readRows, meters);
    }
    const results: Settled[] = new Array(members.length);
    // Reading first decides against the stations' lists: the journal's groups must be in them.
    if (readRows) await this.#journal?.drain();
    const prepared = await Promise.all(
      members.map((m) => prepare(this.kv, m, readRows, layout, readRows ? null : this.reads)),
    );
    const read = await this.#read(prepared.flatMap((p) => p.keys));
    const sets: { index: number; set: WriteSet }[] = [];
    const journaled: Journaled[][] = new Array(members.length);
    const again: number[] = [];
    prepared.forEach((p, i) => {
      const plan = this.#plan(p, read, readRows, layout, meters);
      if ("again" in plan) again.push(i);
      // A conflict found in remembered entries may be stale: decide it on a fresh read.
      else if ("conflict" in plan && p.recalled.length > 0) again.push(i);
      else if ("conflict" in plan) results[i] = fulfilled({ ok: false, conflict: plan.conflict });
      else if (plan.set.empty) results[i] = fulfilled({ ok: true, meterValuesAdded: 0 });
      else {
        sets.push({ index: i, set: plan.set });
        journaled[i] = plan.journaled;
      }
    });
    const { packs, oversize } = pack(sets);
    const alone = new Set(oversize);
    await Promise.all(packs.map(async ({ members: indexes, sets }) => {
      try {
        const res = await atomicOf(this.kv, sets).commit();
        if (res.ok) {
          for (const set of sets) this.reads.learnCommit(set.mutations, res.versionstamp);
          for (const i of indexes) this.#journal?.committed(journaled[i]!);
          indexes.forEach((i, k) => {
            results[i] = fulfilled({
              ok: true,
              meterValuesAdded: sets[k]!.meterValuesAdded,
              ...told(sets[k]!),
            });
          });
        } else if (readRows) {
          for (const i of indexes) alone.add(i);
        } else {
          again.push(...indexes);
        }
      } catch (error) {
        if (indexes.length === 1) results[indexes[0]!] = { status: "rejected", reason: error };
        else for (const i of indexes) alone.add(i);
      }
    }));
    let atomics = packs.length;
    let retriedAlone = 0;
    if (again.length > 0) {
      const out = await this.#commitRound(again.map((i) => members[i]!), layout, true);
      again.forEach((i, k) => (results[i] = out.results[k]!));
      atomics += out.atomics;
      retriedAlone += out.retriedAlone;
    }
    const tooLarge = new Set(readRows ? [] : oversize);
    for (const i of alone) {
      // (Rare: a member too large for one atomic; its set is found among the batch's.)
      const planned = tooLarge.has(i)
        ? this.#unjournaled(prepared[i]!, read, layout, sets.find((s) => s.index === i)!.set, journaled[i]!)
        : null;
      results[i] = settlesLater(this.#writeAlone(members[i]!, layout, planned));
    }
    return { results, atomics, retriedAlone: retriedAlone + alone.size };
  }

  /**
   * A member's optimistic plan, too large for one atomic, to write alone as planned: its groups go straight
   * into the station's list (a plan that journaled them is made again without the journal, which indexes
   * only entries it saw committed whole).
   */
  #unjournaled(
    p: Prepared,
    read: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
    layout: MeterLayout,
    set: WriteSet,
    journaled: Journaled[],
  ): WriteSet | null {
    if (journaled.length === 0) return set;
    const plan = this.#plan(p, read, false, layout);
    return "set" in plan ? plan.set : null;
  }

  /** A round with members of stations whose write waits alone: those queue behind it, the rest commit now. */
  async #commitRoundBehind(
    members: StationChanges[],
    layout: MeterLayout,
    readRows: boolean,
    meters: number,
  ): Promise<{ results: Settled[]; atomics: number; retriedAlone: number }> {
    const results: Settled[] = new Array(members.length);
    const now: number[] = [];
    members.forEach((m, i) => {
      if (this.#aloneStations.has(m.chargePointId)) results[i] = settlesLater(this.#writeAlone(m, layout));
      else now.push(i);
    });
    if (now.length === 0) return { results, atomics: 0, retriedAlone: 0 };
    const out = await this.#commitRound(now.map((i) => members[i]!), layout, readRows, meters);
    now.forEach((i, k) => (results[i] = out.results[k]!));
    return { results, atomics: out.atomics, retriedAlone: out.retriedAlone };
  }

  /**
   * One member in its own atomic(s), re-read and re-planned when its checks fail. Meter values that do not
   * fit beside the rest are stored first, in units that hold their own checks (harmless if the rest then
   * fails: a replay finds them stored); what they stored counts whatever attempt the rest succeeds in.
   *
   * `planned`: the member's plan from its batch, which read none of its meter values (a station's buffered
   * thousands: a thousand reads and their keys' hashing) but checks their groups absent, committed as the
   * first attempt; a chunk whose checks fail (values stored already: a replay) ends it, and the next attempts
   * read first, finding what the chunks before stored.
   */
  async #commitAlone(
    changes: StationChanges,
    layout: MeterLayout,
    planned: WriteSet | null = null,
  ): Promise<CommitResult> {
    let added = 0;
    const waitUntil = Date.now() + LOCKED_WAIT_MS;
    let pause = 10;
    for (let attempt = 0; attempt < MAX_ALONE_ATTEMPTS; attempt++) {
      try {
        const stored = (n: number) => (added += n);
        const out = attempt === 0 && planned !== null
          ? await this.#commitPlanned(planned, stored)
          : await this.#attemptAlone(changes, layout, stored);
        if (out !== null) return out.ok ? { ...out, meterValuesAdded: added } : out;
      } catch (error) {
        // SQLite refuses at once a write that checks (reads) while another connection holds the file's write
        // lock (a backup, another process): wait for it as a write without checks would, then plan again.
        if (!String(error).includes("database is locked") || Date.now() + pause > waitUntil) throw error;
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 250);
        attempt--;
      }
    }
    throw new Error(
      `Cannot commit the changes of "${changes.chargePointId}": still conflicting after ${MAX_ALONE_ATTEMPTS} attempts`,
    );
  }

  /**
   * One attempt of `#commitAlone`: null when a check failed (plan again), else its outcome; what it stored is
   * told to `stored` as each atomic commits (the ok result's own count is 0).
   */
  async #attemptAlone(
    changes: StationChanges,
    layout: MeterLayout,
    stored: (added: number) => void,
  ): Promise<CommitResult | null> {
    const p = await prepare(this.kv, changes, true, layout, null);
    const plan = this.#plan(p, await this.#read(p.keys), true, layout);
    if ("conflict" in plan) return { ok: false, conflict: plan.conflict };
    // (Planned reading first, a member never waits for the journal.)
    if ("again" in plan) return null;
    if (plan.set.empty) return { ok: true, meterValuesAdded: 0 };
    return await this.#commitPlanned(plan.set, stored);
  }

  /** Commits one member's planned writes: null when a check failed, else its outcome (see `#attemptAlone`). */
  async #commitPlanned(set: WriteSet, stored: (added: number) => void): Promise<CommitResult | null> {
    const ok: CommitResult = { ok: true, meterValuesAdded: 0, ...told(set) };
    if (pack([{ index: 0, set }]).oversize.length > 0) {
      const { chunks, rest } = splitOversize(set);
      for (const chunk of chunks) {
        if (!(await atomicOfUnit(this.kv, chunk).commit()).ok) return null;
        stored(chunk.added);
      }
      if (rest.empty) return ok;
      const res = await atomicOf(this.kv, [rest]).commit();
      if (res.ok) {
        this.reads.learnCommit(rest.mutations, res.versionstamp);
        return ok;
      }
    } else {
      const res = await atomicOf(this.kv, [set]).commit();
      if (res.ok) {
        this.reads.learnCommit(set.mutations, res.versionstamp);
        stored(set.meterValuesAdded);
        return ok;
      }
    }
    return null;
  }

  async #read(keys: Deno.KvKey[]): Promise<(key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>> {
    const entries = await getAll<unknown>(this.kv, keys);
    this.reads.learn(entries);
    const byId = new Map<string, Deno.KvEntryMaybe<unknown>>();
    entries.forEach((e) => byId.set(keyId(e.key), e));
    return (key) => {
      const entry = byId.get(keyId(key));
      if (!entry) throw new Error(`Key ${keyId(key)} was not read before planning`);
      return entry;
    };
  }

  /**
   * `readRows`: decide which meter values are new by the read (else check new groups inside the write);
   * `meters`: the members of the group commit storing meter values (the journal's rule; 0: never journaled);
   * `layout`: what earlier layouts of meter values the file may hold (see meter_values.ts).
   */
  #plan(
    p: Prepared,
    batchRead: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
    readRows: boolean,
    layout: MeterLayout,
    meters = 0,
  ): Plan {
    const set = new WriteSet();
    let read = batchRead;
    if (p.recalled.length > 0) {
      // A few entries per member (its guards and record): compared, not looked up by key ids.
      const recalled = p.recalled;
      read = (key) => recalled.find((e) => sameKey(e.key, key)) ?? batchRead(key);
      for (const entry of p.recalled) set.check(entry);
    }
    if (p.commandPointers.length > 0) {
      const pointers = p.commandPointers;
      const before = read;
      read = (key) => pointers.find((e) => sameKey(e.key, key)) ?? before(key);
      for (const entry of pointers) set.check(entry);
    }
    const conflict = planTransactions(p.changes, read, set, this.seq);
    if (conflict !== null) return { conflict };
    planStation(p.changes, read, set, this.seq);
    let journaled: Journaled[] = [];
    if (this.#journal !== null && meters > 0 && !readRows && !layout.rows && !layout.oldGroups) {
      const out = this.#journal.plan(p.changes.chargePointId, meters, p.groups, layout, set, this.seq);
      if (out === null) return { again: true };
      journaled = out;
    } else {
      planMeterValues(p.groups, readRows ? read : null, layout, set, this.seq);
    }
    planCommandLog(p.changes, read, set, this.seq);
    planFileStatus(p.changes, set, this.seq);
    planDeviceModel(p.changes, read, set);
    planTransactionFlags(p.changes, set);
    return { set, journaled };
  }
}

/**
 * `readRows`: read every meter value's own key and its groups' keys; `layout`: what else of earlier layouts
 * to read or check; `reads`: take the transaction guards and station records it remembers instead of reading
 * them (null: read every key).
 */
async function prepare(
  kv: Deno.Kv,
  changes: StationChanges,
  readRows: boolean,
  layout: MeterLayout,
  reads: KvReads | null,
): Promise<Prepared> {
  const groups = await groupRows(changes, readRows || layout.rows, layout.oldGroups);
  const keys: Deno.KvKey[] = [];
  const recalled: Deno.KvEntryMaybe<unknown>[] = [];
  for (const key of transactionKeys(changes)) {
    const entry = reads?.recall(key);
    if (entry === undefined) keys.push(key);
    else recalled.push(entry);
  }
  for (const key of stationKeys(changes)) {
    const entry = reads?.recall(key);
    if (entry === undefined) keys.push(key);
    else recalled.push(entry);
  }
  keys.push(...deviceModelKeys(changes));
  keys.push(...statusReportKeys(changes));
  // Command log entries settle the row of their id: its pointer first (checked in the atomic), then the row,
  // read with the rest.
  const pointerKeys = commandLogPointerKeys(changes);
  const commandPointers = pointerKeys.length > 0 ? await getAll<unknown>(kv, pointerKeys) : [];
  keys.push(...commandLogRowKeys(commandPointers));
  if (readRows) {
    for (const g of groups) {
      if (g.key !== null) keys.push(g.key);
      if (g.oldKey !== null) keys.push(g.oldKey);
      for (const r of g.rows) keys.push(r.key!);
    }
  }
  return { changes, groups, keys, recalled, commandPointers };
}

function fulfilled(value: CommitResult): Settled {
  return { status: "fulfilled", value };
}

/** What a committed set tells its caller beyond the count: a skipped stale snapshot, the clear epoch. */
function told(set: WriteSet): { replaced?: true; protocolErrorsEpoch?: number } {
  return {
    ...(set.replaced ? { replaced: true as const } : {}),
    ...(set.protocolErrorsEpoch !== undefined ? { protocolErrorsEpoch: set.protocolErrorsEpoch } : {}),
  };
}
