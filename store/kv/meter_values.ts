/**
 * Meter values on Deno KV, one entry per MeterValues `meterValue` element: the sampled values of one
 * connector at one time form a group, stored under `["mv_g", cpId, connectorId, timestamp]` with a check that
 * the key is absent, and indexed once by station and once by transaction (3 writes and 1 check for a typical
 * frame, where one entry per sampled value took 12 writes and 4 checks).
 *
 * Every sampled value is stored once: a group's key is its connector and time, not its content, so a frame
 * that repeats any earlier sampled value of that connector and time meets the stored group. Its atomic's check
 * fails and the station's writes are planned again reading first: the sampled values in the stored group are
 * left out, the others (a frame overlapping an earlier one partly, or a second frame with the same timestamp)
 * are stored one per entry under their natural key as before groups, each written only when absent. A group
 * is never rewritten, so a sampled value found absent cannot be added to it meanwhile; should two processes
 * store the same row at once, both index it, and lists follow each stored entry once.
 *
 * Files written before groups hold one entry per sampled value; lists follow those pointers as they always
 * did. In such a file (seen on the first commit) a new group also checks that none of its sampled values is
 * stored alone yet, so a replay of an old frame adds nothing either.
 */
import type { StationChanges } from "../../model/changes.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { MeterValueStore } from "../mod.ts";
import {
  byteLength,
  getAll,
  hashedMeterValueKey,
  keyId,
  meterGroupKey,
  meterValueId,
  plainMeterValueKey,
  type Sequence,
} from "./keys.ts";
import type { WriteSet } from "./write_set.ts";

type Reads = Pick<MeterValueStore, "listMeterValuesByTransaction" | "listMeterValuesByChargePoint">;

export class KvMeterValues implements Reads {
  constructor(private readonly kv: Deno.Kv) {}

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    return await followRows(this.kv, ["mv_tx", transactionId], Infinity, false);
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return await followRows(this.kv, ["mv_cp", chargePointId], limit, true);
  }
}

/** A group as stored: what its sampled values share, then each one's own fields. */
export interface MeterGroup {
  chargePointId: string;
  connectorId: number;
  transactionId: number | null;
  timestamp: string;
  receivedAt: string;
  sampled: Sampled[];
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

export function decodeGroup(group: MeterGroup): MeterValueRow[] {
  const { chargePointId, connectorId, transactionId, timestamp, receivedAt } = group;
  return group.sampled.map(([value, context, format, measurand, phase, location, unit]) => ({
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
  return entry.key[0] === "mv_g" ? decodeGroup(entry.value as MeterGroup) : [entry.value as MeterValueRow];
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

/** A meter value with its natural key's id, and its own KV key when it may be stored alone. */
export interface KeyedRow {
  id: string;
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
  first: boolean;
  rows: KeyedRow[];
}

/** What one group entry holds at most (Deno KV values are limited to 64 KiB). */
const GROUP_MAX_BYTES = 16 * 1024;

/** `rowKeys`: every row gets its own key (to read or check it); else only rows that will be stored alone. */
export async function groupRows(changes: StationChanges, rowKeys: boolean): Promise<PreparedGroup[]> {
  const rows = changes.meterValues ?? [];
  if (rows.length === 0) return [];
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
      current = { key, first, rows: [] };
      groups.push(current);
      bytes = 0;
    }
    bytes += size;
    current.rows.push({ id, row, key: null });
  }
  for (const g of groups) {
    if (!rowKeys && g.first) continue;
    for (const r of g.rows) r.key = plainMeterValueKey(r.row) ?? await hashedMeterValueKey(r.row);
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

/**
 * Adds the groups to `set`, each as one unit (see `WriteSet.unit`) counting the rows it stores. With `read`
 * (every group and row key read), only what is not stored yet; without, each new group checked absent (and
 * in a file with rows from before groups, `rowLayout`, each of its rows too) when the atomic commits.
 */
export function planMeterValues(
  groups: readonly PreparedGroup[],
  read: Read | null,
  rowLayout: boolean,
  set: WriteSet,
  seq: Sequence,
): void {
  for (const g of groups) {
    const stored = g.key !== null && read !== null ? read(g.key) : null;
    if (g.first && g.key !== null && (stored === null || stored.versionstamp === null)) {
      planGroup(g.key, g.rows, read, rowLayout, set, seq);
    } else {
      const inGroup = stored?.versionstamp
        ? entryRows(stored as Deno.KvEntry<unknown>).map(meterValueId)
        : [];
      planAlone(g.rows, new Set(inGroup), read, set, seq);
    }
  }
}

function planGroup(
  key: Deno.KvKey,
  rows: readonly KeyedRow[],
  read: Read | null,
  rowLayout: boolean,
  set: WriteSet,
  seq: Sequence,
): void {
  const checks: Deno.AtomicCheck[] = [{ key, versionstamp: null }];
  let fresh = rows;
  if (rowLayout && read !== null) fresh = rows.filter((r) => read(r.key!).versionstamp === null);
  else if (rowLayout) { for (const r of rows) checks.push({ key: r.key!, versionstamp: null }); }
  if (fresh.length === 0) return;
  const row = fresh[0]!.row;
  set.unit(checks, indexed(key, row, encodeGroup(fresh.map((r) => r.row)), seq), fresh.length);
}

/** Rows stored one per entry under their natural key: those in neither the stored group nor stored alone. */
function planAlone(
  rows: readonly KeyedRow[],
  inGroup: ReadonlySet<string>,
  read: Read | null,
  set: WriteSet,
  seq: Sequence,
): void {
  for (const { id, row, key } of rows) {
    if (inGroup.has(id)) continue;
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
  if (row.transactionId !== null) sets.push([["mv_tx", row.transactionId, row.timestamp, at], key]);
  return sets;
}

/** The marker of a file whose meter values were all stored in groups (see the module comment). */
const LAYOUT_KEY: Deno.KvKey = ["meta", "mv_layout"];

/**
 * Whether the file may hold meter values stored one per entry before groups: once a file is seen without
 * any, a marker says so and later opens read only the marker.
 */
export async function hasRowLayout(kv: Deno.Kv): Promise<boolean> {
  const marker = await kv.get(LAYOUT_KEY);
  if (marker.value === "groups") return false;
  for (const prefix of [["mv"], ["mv_h"]]) {
    for await (const _ of kv.list({ prefix }, { limit: 1 })) return true;
  }
  await kv.atomic().check(marker).set(LAYOUT_KEY, "groups").commit();
  return false;
}
