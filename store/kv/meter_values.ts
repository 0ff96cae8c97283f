/**
 * Meter values on Deno KV, one entry per MeterValues `meterValue` element: the sampled values of one
 * connector at one time form a group, stored under `["mv_cp", cpId, timestamp, connectorId]` with a check
 * that the key is absent, and pointed at once by transaction (`["mv_tx", ..]`) when it has one: 1 or 2 writes
 * and 1 check for a typical frame. The group's key is its natural key (its identity for replays) and its
 * place in the station's list at once: it sits beside the station's other meter values, where the B-tree
 * page the commit writes anyway is (Deno KV's SQLite writes every page a commit touches; a separate index
 * entry elsewhere costs a page of its own, which is most of what a meter value costs).
 *
 * Every sampled value is stored once: a group's key is its connector and time, not its content, so a frame
 * that repeats any earlier sampled value of that connector and time meets the stored group. Its atomic's check
 * fails and the station's writes are planned again reading first: the sampled values in the stored group are
 * left out, the others (a frame overlapping an earlier one partly, or a second frame with the same timestamp)
 * are stored one per entry under their natural key, each written only when absent and indexed by
 * `["mv_cp", cpId, timestamp, seq]` -> its key. A group is never rewritten, so a sampled value found absent
 * cannot be added to it meanwhile; should two processes store the same row at once, both index it, and lists
 * follow each stored entry once. In a station's list, entries of one time are in the order they were stored
 * (a group keeps its `seq`).
 *
 * On a local file new groups go through a journal first (meter_journal.ts) and land here in the background;
 * the lists below are read after it is applied.
 *
 * A group's value is bytes (`groupBytes`: JSON of what its key does not say); groups written before are
 * V8-serialized objects (`MeterGroup`), read alike (`decodeGroup`).
 *
 * A sampled value's natural key holds its context and transaction too (since December 2026): a value stored
 * alone before that, under the shorter key, is not found by a replay of its frame after the upgrade and may be
 * stored a second time (values in groups are compared field by field, so they are not).
 *
 * Earlier layouts stay readable and deduplicated (`meterLayout`, found on the first commit): files written
 * before groups hold one entry per sampled value; files written before this layout hold groups under
 * `["mv_g", cpId, connectorId, timestamp]`, pointed at by `["mv_cp", cpId, timestamp, seq]`. In such a file a
 * new group also checks that none of its sampled values, nor an earlier group of its time, is stored yet, so a
 * replay of an old frame adds nothing either.
 */
import type { StationChanges } from "../../model/changes.ts";
import { type MeterValueRow, sameSampledValue } from "../../model/meter_value.ts";
import {
  ForeignCursorError,
  type ListCursor,
  type MeterValueCursor,
  meterValueCursorId,
  parseMeterValueCursor,
} from "../../model/list_cursor.ts";
import {
  type HistoryPage,
  type HistoryPageRequest,
  type MeterValueStore,
  StoreUnavailableError,
} from "../mod.ts";
import {
  byteLength,
  getAll,
  hashedMeterValueKey,
  keyId,
  meterGroupKey,
  meterValueId,
  oldMeterGroupKey,
  plainMeterValueKey,
  type Sequence,
} from "./keys.ts";
import type { WriteSet } from "./write_set.ts";

type Reads = Pick<
  MeterValueStore,
  | "listMeterValuesByTransaction"
  | "pageMeterValuesByTransaction"
  | "listMeterValuesByChargePoint"
  | "pageMeterValuesByChargePoint"
>;

/** Where a row is among those of its time: its entry's seq and its position in the entry. */
interface Placed {
  row: MeterValueRow;
  seq: string;
  position: number;
}

/** The lists, the meter journal (when on) applied first: every answered value is in them. */
export class KvMeterValues implements Reads {
  constructor(
    private readonly kv: Deno.Kv,
    private readonly journal: { drain(): Promise<void> } | null = null,
  ) {}

  /**
   * The journal applied, or the store unavailable (503 for an operator): its lists alone would lack answered
   * values. It cannot be applied while the disk is full.
   */
  async #journalApplied(): Promise<void> {
    try {
      await this.journal?.drain();
    } catch (error) {
      throw new StoreUnavailableError(
        `Cannot read meter values: the meter journal cannot be applied (${
          error instanceof Error ? error.message : String(error)
        })`,
        { cause: error },
      );
    }
  }

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    await this.#journalApplied();
    return await followRows(this.kv, ["mv_tx", transactionId], Infinity, false);
  }

  async pageMeterValuesByTransaction(
    transactionId: number,
    page: { limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    const after = page.after === undefined ? undefined : parseMeterValueCursor(page.after);
    if (after === null) throw new ForeignCursorError(page.after!);
    await this.#journalApplied();
    return await pageIndex(this.kv, ["mv_tx", transactionId], page.limit, after);
  }

  /**
   * By arrival from `since` (or the cursor), reading only what is new: the values that arrived within
   * ARRIVAL_SKEW_MS of their time from the time index, starting ARRIVAL_SKEW_MS before `since` and stopping
   * once no later one can still come first; the others (a backlog, a station clock far off) from the arrival
   * index, which holds only them (`transactionPointers`). Values stored before that index existed are not in it.
   */
  async pageMeterValuesReceivedSince(
    transactionId: number,
    page: { since: string; limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    const after = page.after === undefined ? undefined : parseMeterValueCursor(page.after);
    if (after === null) throw new ForeignCursorError(page.after!);
    await this.#journalApplied();
    // A cursor before `since` (another read's) starts no earlier than `since`.
    const from = after !== undefined && after.at >= page.since ? after : undefined;
    const far = await placedByIndex(this.kv, arrivalPrefix(transactionId), page.limit, from, page.since);
    return await nearByArrival(this.kv, transactionId, page, from, far);
  }

  async listRecentMeterValuesByTransaction(transactionId: number, limit: number): Promise<MeterValueRow[]> {
    await this.#journalApplied();
    return await followRows(this.kv, ["mv_tx", transactionId], limit, true);
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    await this.#journalApplied();
    return (await listStation(this.kv, chargePointId, limit)).map((r) => r.row);
  }

  async pageMeterValuesByChargePoint(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<MeterValueRow>> {
    const before = page.before === undefined ? undefined : parseMeterValueCursor(page.before);
    if (before === null) throw new ForeignCursorError(page.before!);
    await this.#journalApplied();
    const rows = await listStation(this.kv, chargePointId, page.limit, before);
    const last = rows.at(-1);
    return {
      items: rows.map((r) => r.row),
      next: rows.length === page.limit && last !== undefined
        ? { at: last.row.timestamp, id: meterValueCursorId(last.seq, last.position) }
        : null,
    };
  }
}

/**
 * A group as the layouts before stored it (a V8-serialized object): what its sampled values share, then each
 * one's own fields. Still read; written only by tests that build files of those layouts.
 */
export interface MeterGroup {
  chargePointId: string;
  connectorId: number;
  transactionId: number | null;
  timestamp: string;
  receivedAt: string;
  sampled: Sampled[];
  /** Where it is in the order of storing (groups under the station's list key). */
  seq?: string;
}

type Sampled = [
  value: string,
  context: string,
  format: string,
  measurand: string,
  phase: string | null,
  location: string,
  unit: string,
];

/** The object form of a group (see `MeterGroup`): how the layouts before stored it. */
export function encodeGroup(rows: readonly MeterValueRow[]): MeterGroup {
  const { chargePointId, connectorId, transactionId, timestamp, receivedAt } = rows[0]!;
  return {
    chargePointId,
    connectorId,
    transactionId,
    timestamp,
    receivedAt,
    sampled: rows.map((r) => [r.value, r.context, r.format, r.measurand, r.phase, r.location, r.unit]),
  };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * A group as this layout stores it under `["mv_cp", cpId, timestamp, connectorId]`: the UTF-8 JSON of
 * `[transactionId, receivedAt, seq, ...sampled]`, its station, time and connector being its key's. Bytes
 * KV stores as they are (V8's serializer cost more than the rest of planning a group), and about a third
 * smaller than the object form.
 */
export function groupBytes(rows: readonly MeterValueRow[], seq: string): Uint8Array {
  const { transactionId, receivedAt } = rows[0]!;
  const parts: unknown[] = [transactionId, receivedAt, seq];
  for (const r of rows) parts.push([r.value, r.context, r.format, r.measurand, r.phase, r.location, r.unit]);
  return utf8.encode(JSON.stringify(parts));
}

/** The rows of a group entry, of this layout (bytes) or the ones before (an object). */
export function decodeGroup(entry: Deno.KvEntry<unknown>): MeterValueRow[] {
  if (!(entry.value instanceof Uint8Array)) return decodeGroupObject(entry.value as MeterGroup);
  const [transactionId, receivedAt, _seq, ...sampled] = JSON.parse(fromUtf8.decode(entry.value)) as [
    number | null,
    string,
    string,
    ...Sampled[],
  ];
  return rowsOf(
    entry.key[1] as string,
    entry.key[3] as number,
    transactionId,
    entry.key[2] as string,
    receivedAt,
    sampled,
  );
}

/** Where a group in a station's list is in the order of storing ("" for none). */
export function groupSeq(entry: Deno.KvEntry<unknown>): string {
  if (!(entry.value instanceof Uint8Array)) return (entry.value as MeterGroup).seq ?? "";
  return (JSON.parse(fromUtf8.decode(entry.value)) as unknown[])[2] as string;
}

function decodeGroupObject(group: MeterGroup): MeterValueRow[] {
  const { chargePointId, connectorId, transactionId, timestamp, receivedAt } = group;
  return rowsOf(chargePointId, connectorId, transactionId, timestamp, receivedAt, group.sampled);
}

function rowsOf(
  chargePointId: string,
  connectorId: number,
  transactionId: number | null,
  timestamp: string,
  receivedAt: string,
  sampled: readonly Sampled[],
): MeterValueRow[] {
  return sampled.map(([value, context, format, measurand, phase, location, unit]) => ({
    chargePointId,
    connectorId,
    transactionId,
    timestamp,
    value,
    context,
    format,
    measurand,
    phase,
    location,
    unit,
    receivedAt,
  }));
}

/** The meter values an entry an index points at holds: a group's, or the one row stored alone. */
export function entryRows(entry: Deno.KvEntry<unknown>): MeterValueRow[] {
  return isGroupKey(entry.key) ? decodeGroup(entry) : [entry.value as MeterValueRow];
}

/** A group's key, in this layout or the one before; else the key of a row stored alone. */
function isGroupKey(key: Deno.KvKey): boolean {
  return key[0] === "mv_g" || (key[0] === "mv_cp" && typeof key[3] === "number");
}

/** Under a station's list prefix: a group itself (its key ends with its connector), else a pointer. */
export function isInlineGroup(entry: Deno.KvEntry<unknown>): boolean {
  return typeof entry.key[3] === "number";
}

/**
 * A station's meter values, newest first, up to `limit` rows: the groups in its list and the entries its
 * pointers lead to, the entries of one time newest stored first (by seq), a group's rows last first. With
 * `before`, only the rows after it in that order: the list starts at the cursor's time, at its entry
 * (`stationEntries`), and the rows of that time not after the cursor are left out.
 */
async function listStation(
  kv: Deno.Kv,
  chargePointId: string,
  limit: number,
  before?: MeterValueCursor,
): Promise<Placed[]> {
  const out: Placed[] = [];
  if (limit <= 0) return out;
  const seen = new Set<string>();
  const after = (at: string, seq: string, position: number) =>
    before === undefined || at !== before.at || seq < before.seq ||
    (seq === before.seq && position < before.position);
  /** Entries listed but not yet in `out`: the rows of a group, or a pointer to load. */
  let pending: { seq: string; rows: MeterValueRow[] | null; pointer: Deno.KvKey | null }[] = [];
  /** The entries of the time being listed, with where each is in the order of storing. */
  let tie: { seq: string; rows: MeterValueRow[] | null; pointer: Deno.KvKey | null }[] = [];
  let tieTime: unknown = undefined;
  /** Rows in `out` and `pending`, counting a pointer as one (it holds at least one). */
  let counted = 0;
  /** The tie's entries stored after `storedAfter` (all without it) are placed: sorted and pending. */
  const closeTie = (storedAfter?: string) => {
    const placed = storedAfter === undefined ? tie : tie.filter((e) => e.seq > storedAfter);
    tie = storedAfter === undefined ? [] : tie.filter((e) => e.seq <= storedAfter);
    placed.sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0));
    pending.push(...placed);
  };
  const load = async () => {
    const pointed = pending.filter((e) => e.pointer !== null);
    const entries = pointed.length === 0 ? [] : await getAll<unknown>(kv, pointed.map((e) => e.pointer!));
    pointed.forEach((e, i) => {
      const entry = entries[i]!;
      e.rows = entry.versionstamp === null ? [] : entryRows(entry as Deno.KvEntry<unknown>);
    });
    for (const e of pending) {
      for (let i = e.rows!.length - 1; i >= 0; i--) {
        const row = e.rows![i]!;
        if (after(row.timestamp, e.seq, i)) out.push({ row, seq: e.seq, position: i });
      }
    }
    pending = [];
    counted = out.length;
  };
  for await (const entry of stationEntries(kv, chargePointId, before)) {
    if (entry.key[2] !== tieTime) {
      closeTie();
      if (counted >= limit) {
        await load();
        if (out.length >= limit) break;
      }
      tieTime = entry.key[2];
    } else if (counted >= limit && !isInlineGroup(entry)) {
      // A time of many entries (a clock stuck): its pointers come newest stored first, after its groups, so
      // every entry stored after this one is listed; those may fill the page without reading the rest.
      closeTie(entry.key[3] as string);
      await load();
      if (out.length >= limit) break;
    }
    if (isInlineGroup(entry)) {
      const rows = decodeGroup(entry);
      tie.push({ seq: groupSeq(entry), rows, pointer: null });
      counted += rows.length;
    } else {
      const pointer = entry.value as Deno.KvKey;
      const id = keyId(pointer);
      if (seen.has(id)) continue;
      seen.add(id);
      tie.push({ seq: entry.key[3] as string, rows: null, pointer });
      counted++;
    }
  }
  closeTie();
  await load();
  return out.length > limit ? out.slice(0, limit) : out;
}

/**
 * A station's list entries newest first (a time's groups, keyed by connector, before its pointers, keyed by
 * seq: numbers sort after strings); from a cursor, only those that may come after it: the cursor's time's
 * groups and its pointers stored no later than the cursor's entry (the others were on earlier pages; reading
 * them again made each page of a stuck clock's time read all of it), then the times before.
 */
async function* stationEntries(
  kv: Deno.Kv,
  chargePointId: string,
  before?: MeterValueCursor,
): AsyncGenerator<Deno.KvEntry<unknown>> {
  const prefix = ["mv_cp", chargePointId];
  if (before === undefined) {
    yield* kv.list<unknown>({ prefix }, { reverse: true });
    return;
  }
  const time = [...prefix, before.at];
  for await (const entry of kv.list<unknown>({ prefix: time }, { reverse: true })) {
    if (!isInlineGroup(entry)) break;
    yield entry;
  }
  // Every seq up to the cursor's sorts below `${seq}\0` (one stored later is greater, even one it begins).
  yield* kv.list<unknown>({ prefix: time, end: [...time, `${before.seq}\0`] }, { reverse: true });
  yield* kv.list<unknown>({ prefix, end: time }, { reverse: true });
}

/**
 * Follows the pointers of a meter value index to their entries, in index order (groups' rows reversed too
 * when `reverse`), up to `limit` rows. An entry two writers indexed at once is listed once.
 */
async function followRows(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  reverse: boolean,
): Promise<MeterValueRow[]> {
  const out: MeterValueRow[] = [];
  if (limit <= 0) return out;
  const seen = new Set<string>();
  let pending: Deno.KvKey[] = [];
  const load = async () => {
    for (const entry of await getAll<unknown>(kv, pending)) {
      if (entry.versionstamp === null) continue;
      const rows = entryRows(entry);
      if (reverse) rows.reverse();
      for (const row of rows) out.push(row);
    }
    pending = [];
  };
  // Each pointer holds at least one row: read no more of them than the rows still wanted.
  for await (const entry of kv.list<Deno.KvKey>({ prefix }, { reverse })) {
    const id = keyId(entry.value);
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(entry.value);
    if (out.length + pending.length >= limit) {
      await load();
      if (out.length >= limit) break;
    }
  }
  if (pending.length > 0) await load();
  return out.length > limit ? out.slice(0, limit) : out;
}

/**
 * A transaction's arrival index: `["mv_rx", id, receivedAt, seq]` -> the entry, as `["mv_tx", ..]`, for the
 * values that arrived further than ARRIVAL_SKEW_MS from their time.
 */
export function arrivalPrefix(transactionId: number): Deno.KvKey {
  return ["mv_rx", transactionId];
}

/**
 * A transaction's rows in the order of one of its indexes (`["mv_tx", id, timestamp, seq]`, or
 * `["mv_rx", id, receivedAt, seq]`), after the cursor: the list starts at the cursor's entry, whose rows up
 * to its position were on the page before; without one, at `from` (a time) or the first entry. Reads one row
 * past the page, so `next` is null exactly when the page is the last.
 */
async function pageIndex(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  after: MeterValueCursor | undefined,
  from?: string,
): Promise<HistoryPage<MeterValueRow>> {
  return pageOf(await placedByIndex(kv, prefix, limit, after, from), limit);
}

/** `pageIndex`'s rows, with where each is (up to `limit` + 1 of them). */
async function placedByIndex(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  after: MeterValueCursor | undefined,
  from?: string,
): Promise<(Placed & { at: string })[]> {
  const selector = after !== undefined
    ? { prefix, start: [...prefix, after.at, after.seq] }
    : from !== undefined
    ? { prefix, start: [...prefix, from] }
    : { prefix };
  // `at`: the index key's time, which the cursor names (the list starts there).
  const out: (Placed & { at: string })[] = [];
  const seen = new Set<string>();
  let pending: { pointer: Deno.KvKey; at: string; seq: string }[] = [];
  const load = async () => {
    const entries = await getAll<unknown>(kv, pending.map((p) => p.pointer));
    pending.forEach(({ at, seq }, i) => {
      const entry = entries[i]!;
      if (entry.versionstamp === null) return;
      entryRows(entry as Deno.KvEntry<unknown>).forEach((row, position) => {
        const read = after !== undefined && at === after.at && seq === after.seq &&
          position <= after.position;
        if (!read) out.push({ row, at, seq, position });
      });
    });
    pending = [];
  };
  for await (const entry of kv.list<Deno.KvKey>(selector)) {
    const id = keyId(entry.value);
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push({ pointer: entry.value, at: entry.key[2] as string, seq: entry.key[3] as string });
    // Each pointer holds at least one row: read no more of them than the rows still wanted.
    if (out.length + pending.length > limit) {
      await load();
      if (out.length > limit) break;
    }
  }
  if (pending.length > 0) await load();
  return out;
}

/** The first `limit` of rows in order, and the cursor after them when more follow. */
function pageOf(out: readonly (Placed & { at: string })[], limit: number): HistoryPage<MeterValueRow> {
  const last = out.length > limit ? out[limit - 1] : undefined;
  return {
    items: out.slice(0, limit).map((p) => p.row),
    next: last === undefined ? null : { at: last.at, id: meterValueCursorId(last.seq, last.position) },
  };
}

/** How far a value's time may be from its arrival and still be found by time in a read by arrival. */
export const ARRIVAL_SKEW_MS = 5 * 60_000;

/** A value that arrived further than ARRIVAL_SKEW_MS from its time (a backlog, a clock far off). */
function farFromArrival(row: Pick<MeterValueRow, "timestamp" | "receivedAt">): boolean {
  return !(Math.abs(Date.parse(row.timestamp) - Date.parse(row.receivedAt)) <= ARRIVAL_SKEW_MS);
}

/**
 * The page by arrival of a transaction's values from `page.since` (or `from`, a cursor): `far` (the arrival
 * index's, in arrival order) merged with the others, read from the time index from ARRIVAL_SKEW_MS before,
 * until every value still unread there arrived after the page's last.
 */
async function nearByArrival(
  kv: Deno.Kv,
  transactionId: number,
  page: { since: string; limit: number },
  from: MeterValueCursor | undefined,
  far: readonly (Placed & { at: string })[],
): Promise<HistoryPage<MeterValueRow>> {
  const { limit } = page;
  const lower = from?.at ?? page.since;
  const isNew = (p: Placed & { at: string }) =>
    from === undefined ? p.at >= lower : compareArrival(p, { ...from, row: null! }) > 0;
  let found = far.slice(0, limit + 1);
  const start = new Date(Date.parse(lower) - ARRIVAL_SKEW_MS).toISOString();
  const prefix: Deno.KvKey = ["mv_tx", transactionId];
  let pending: { pointer: Deno.KvKey; seq: string }[] = [];
  const seen = new Set<string>();
  let reachedMs = -Infinity;
  const load = async () => {
    const entries = await getAll<unknown>(kv, pending.map((p) => p.pointer));
    const near: (Placed & { at: string })[] = [];
    pending.forEach(({ seq }, i) => {
      const entry = entries[i]!;
      if (entry.versionstamp === null) return;
      entryRows(entry as Deno.KvEntry<unknown>).forEach((row, position) => {
        const placed = { row, at: row.receivedAt, seq, position };
        if (!farFromArrival(row) && isNew(placed)) near.push(placed);
      });
    });
    pending = [];
    found = [...found, ...near].sort(compareArrival).slice(0, limit + 1);
  };
  /** Every value unread on the time index arrived after the page's last: it is complete. */
  const complete = () => found.length > limit && Date.parse(found[limit]!.at) < reachedMs - ARRIVAL_SKEW_MS;
  for await (const entry of kv.list<Deno.KvKey>({ prefix, start: [...prefix, start] })) {
    const id = keyId(entry.value);
    if (seen.has(id)) continue;
    seen.add(id);
    reachedMs = Date.parse(entry.key[2] as string);
    pending.push({ pointer: entry.value, seq: entry.key[3] as string });
    if (pending.length >= NEAR_BATCH) {
      await load();
      if (complete()) break;
    }
  }
  if (pending.length > 0) await load();
  return pageOf(found, limit);
}

/** Time-index pointers read per batch by a read by arrival. */
const NEAR_BATCH = 64;

/** Arrival order: time of arrival, then the entry's seq, then the position in it. */
function compareArrival(a: Placed & { at: string }, b: Placed & { at: string }): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return a.position - b.position;
}

/** A meter value, with its own KV key when it may be stored alone. */
export interface KeyedRow {
  row: MeterValueRow;
  key: Deno.KvKey | null;
}

/**
 * A run of a station's meter values sharing connector, transaction, time and receipt (one `meterValue`
 * element), the first of equal rows kept. `first`: the first run of this commit under `key`; a later run
 * under the same key (the same time again, or a run too large for one entry) is stored row by row.
 */
export interface PreparedGroup {
  key: Deno.KvKey | null;
  /** The key the layout before kept this group under, when the file may hold such groups. */
  oldKey: Deno.KvKey | null;
  first: boolean;
  rows: KeyedRow[];
}

/** What one group entry holds at most (Deno KV values are limited to 64 KiB). */
const GROUP_MAX_BYTES = 16 * 1024;

/**
 * `rowKeys`: every row gets its own key (to read or check it); else only rows that will be stored alone.
 * `oldGroups`: the file may hold groups of the layout before (their keys are checked too).
 */
export async function groupRows(
  changes: StationChanges,
  rowKeys: boolean,
  oldGroups: boolean,
): Promise<PreparedGroup[]> {
  const rows = changes.meterValues ?? [];
  if (rows.length === 0) return [];
  const groups = runsOf(rows, oldGroups) ?? dedupedRuns(rows, oldGroups);
  for (const g of groups) {
    if (!rowKeys && g.first) continue;
    for (const r of g.rows) r.key = plainMeterValueKey(r.row) ?? await hashedMeterValueKey(r.row);
  }
  return groups;
}

/**
 * The common case, without a natural key per row: the runs as they come, each under a group key of its own
 * (then equal rows, which share connector and time and so a group key, can only be in one run: kept once
 * there). Null when two runs share a group key or a key is too long: `dedupedRuns` decides then.
 */
function runsOf(rows: readonly MeterValueRow[], oldGroups: boolean): PreparedGroup[] | null {
  const groups: PreparedGroup[] = [];
  let seenGroups: Set<string> | null = null;
  let current: KeyedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = rowBytes(row);
    if (current.length === 0 || !sameRun(current[0]!.row, row) || bytes + size > GROUP_MAX_BYTES) {
      const key = meterGroupKey(row);
      if (key === null) return null;
      if (groups.length > 0) {
        seenGroups ??= new Set([keyId(groups[0]!.key!)]);
        const gid = keyId(key);
        if (seenGroups.has(gid)) return null;
        seenGroups.add(gid);
      }
      current = [];
      groups.push({ key, oldKey: oldGroups ? oldMeterGroupKey(row) : null, first: true, rows: current });
      bytes = 0;
    }
    bytes += size;
    if (!current.some((r) => sameSampledValue(r.row, row))) current.push({ row, key: null });
  }
  return groups;
}

/** Any rows: equal rows (by natural key) kept once over the whole commit, then split into runs (exported for tests: the reference `groupRows` agrees with). */
export function dedupedRuns(rows: readonly MeterValueRow[], oldGroups: boolean): PreparedGroup[] {
  const groups: PreparedGroup[] = [];
  const seenRows = new Set<string>();
  const seenGroups = new Set<string>();
  let current: PreparedGroup | null = null;
  let bytes = 0;
  for (const row of rows) {
    const id = meterValueId(row);
    if (seenRows.has(id)) continue;
    seenRows.add(id);
    const size = rowBytes(row);
    if (current === null || !sameRun(current.rows[0]!.row, row) || bytes + size > GROUP_MAX_BYTES) {
      const key = meterGroupKey(row);
      const gid = key === null ? null : keyId(key);
      const first = gid !== null && !seenGroups.has(gid);
      if (gid !== null) seenGroups.add(gid);
      current = { key, oldKey: key !== null && oldGroups ? oldMeterGroupKey(row) : null, first, rows: [] };
      groups.push(current);
      bytes = 0;
    }
    bytes += size;
    current.rows.push({ row, key: null });
  }
  return groups;
}

function sameRun(a: MeterValueRow, b: MeterValueRow): boolean {
  return a.connectorId === b.connectorId && a.transactionId === b.transactionId &&
    a.timestamp === b.timestamp && a.receivedAt === b.receivedAt && a.chargePointId === b.chargePointId;
}

function rowBytes(r: MeterValueRow): number {
  return byteLength(r.value) + byteLength(r.context) + byteLength(r.format) + byteLength(r.measurand) +
    byteLength(r.phase ?? "") + byteLength(r.location) + byteLength(r.unit) + 32;
}

type Read = (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>;

/** What earlier layouts of meter values a file may hold (see the module comment). */
export interface MeterLayout {
  /** Sampled values stored one per entry before groups. */
  rows: boolean;
  /** Groups under `["mv_g", ..]`, before they moved into the station's list. */
  oldGroups: boolean;
}

/**
 * Adds the groups to `set`, each as one unit (see `WriteSet.unit`) counting the rows it stores. With `read`
 * (every group and row key read), only what is not stored yet; without, each new group checked absent (and
 * in a file of an earlier layout, each of its rows or its old group key too) when the atomic commits.
 */
export function planMeterValues(
  groups: readonly PreparedGroup[],
  read: Read | null,
  layout: MeterLayout,
  set: WriteSet,
  seq: Sequence,
): void {
  for (const g of groups) {
    const stored = [g.key, g.oldKey].flatMap((k) => {
      if (k === null || read === null) return [];
      const entry = read(k);
      return entry.versionstamp === null ? [] : [entry as Deno.KvEntry<unknown>];
    });
    if (g.first && g.key !== null && stored.length === 0) {
      planGroup(g, read, layout, set, seq);
    } else {
      const inGroup = stored.flatMap((entry) => entryRows(entry).map(meterValueId));
      planAlone(g.rows, new Set(inGroup), read, set, seq);
    }
  }
}

function planGroup(
  g: PreparedGroup,
  read: Read | null,
  layout: MeterLayout,
  set: WriteSet,
  seq: Sequence,
): void {
  const key = g.key!;
  const checks: Deno.AtomicCheck[] = [{ key, versionstamp: null }];
  if (g.oldKey !== null) checks.push({ key: g.oldKey, versionstamp: null });
  let fresh = g.rows;
  if (layout.rows && read !== null) fresh = g.rows.filter((r) => read(r.key!).versionstamp === null);
  else if (layout.rows) { for (const r of g.rows) checks.push({ key: r.key!, versionstamp: null }); }
  if (fresh.length === 0) return;
  const row = fresh[0]!.row;
  const at = seq.next();
  const sets: [Deno.KvKey, unknown][] = [[key, groupBytes(fresh.map((r) => r.row), at)]];
  if (row.transactionId !== null) sets.push(...transactionPointers(row, at, key));
  set.unit(checks, sets, fresh.length);
}

/** Rows stored one per entry under their natural key: those in neither the stored group nor stored alone. */
function planAlone(
  rows: readonly KeyedRow[],
  inGroup: ReadonlySet<string>,
  read: Read | null,
  set: WriteSet,
  seq: Sequence,
): void {
  for (const { row, key } of rows) {
    if (inGroup.has(meterValueId(row))) continue;
    if (read !== null && read(key!).versionstamp !== null) continue;
    const checks = read === null ? [{ key: key!, versionstamp: null }] : [];
    set.unit(checks, indexed(key!, row, row, seq), 1);
  }
}

/** An entry with its pointers by station and by transaction. */
function indexed(
  key: Deno.KvKey,
  row: MeterValueRow,
  value: unknown,
  seq: Sequence,
): [Deno.KvKey, unknown][] {
  const at = seq.next();
  const sets: [Deno.KvKey, unknown][] = [[key, value], [
    ["mv_cp", row.chargePointId, row.timestamp, at],
    key,
  ]];
  if (row.transactionId !== null) sets.push(...transactionPointers(row, at, key));
  return sets;
}

/**
 * A transaction's pointers to an entry: by time (pages), and by arrival (`since` reads) when it arrived too far
 * from its time to be found by time there. Most values arrive within seconds: they cost no second key.
 */
export function transactionPointers(
  row: Pick<MeterValueRow, "transactionId" | "timestamp" | "receivedAt">,
  seq: string,
  key: Deno.KvKey,
): [Deno.KvKey, Deno.KvKey][] {
  const byTime: [Deno.KvKey, Deno.KvKey] = [["mv_tx", row.transactionId!, row.timestamp, seq], key];
  if (!farFromArrival(row)) return [byTime];
  return [byTime, [[...arrivalPrefix(row.transactionId!), row.receivedAt, seq], key]];
}

/**
 * The marker of a file's meter value layout: "groups" when it held no sampled value stored one per entry
 * before groups, "stations" when it held no group of the layout before either (see the module comment).
 */
const LAYOUT_KEY: Deno.KvKey = ["meta", "mv_layout"];

/**
 * What earlier layouts the file may hold: once a file is seen without one, the marker says so and later
 * opens read only the marker.
 */
export async function meterLayout(kv: Deno.Kv): Promise<MeterLayout> {
  const marker = await kv.get(LAYOUT_KEY);
  if (marker.value === "stations") return { rows: false, oldGroups: false };
  const any = async (prefixes: Deno.KvKey[]) => {
    for (const prefix of prefixes) {
      for await (const _ of kv.list({ prefix }, { limit: 1 })) return true;
    }
    return false;
  };
  const rows = marker.value === "groups" ? false : await any([["mv"], ["mv_h"]]);
  const oldGroups = await any([["mv_g"]]);
  const next = rows ? null : oldGroups ? "groups" : "stations";
  if (next !== null && next !== marker.value) await kv.atomic().check(marker).set(LAYOUT_KEY, next).commit();
  return { rows, oldGroups };
}
