/**
 * The KV layout (every key a tuple; indexes hold pointers, written in the same atomic commit as what they
 * index) and the helpers every KV file shares.
 *
 * - `["cp", id]` ChargePointRecord; `["cp_seen", id]` its lastSeen when a touch came after the last write of
 *   the record's lastSeen (reads let it win; a write of the record's lastSeen deletes it in the same commit);
 *   `["cp_status", cpId, receivedAt, seq]` StatusHistoryEntry, with `["cp_status_report", cpId, evseId,
 *   connectorId, timestamp, status, errorCode, info, vendorId, vendorErrorCode]` -> its key (a report stored
 *   once: `statusReportKey`; `["cp_status_call", ...]` with the CALL's message id for the timestamp when the
 *   station sent none); `["cp_config", id]` its configuration and
 *   `["cp_reports", id]` its chargingReports (large fields that rarely change, kept out of the record that every
 *   status and transaction rewrites; a record written before holds them itself until its next write)
 * - `["idtag", idTagKey(idTag)]` IdTagRecord (id tags are case-insensitive: see model/id_tag.ts);
 *   `["meta", "idtag_gen"]` Deno.KvU64, moved by every atomic that writes a tag (tags held in memory: id_tags.ts)
 * - `["counter", "tx"]` Deno.KvU64, the last transactionId reserved (ids are handed out in blocks)
 * - `["tx", id]` TransactionRecord; `["tx_start", cpId, connectorId, idTag, meterStart, timestamp]` -> id
 *   (replay index of 1.6 starts); `["tx_open", cpId, connectorId]` -> id of the active one; `["tx_active_tag", idTagKey(idTag), id]`,
 *   `["tx_cp", cpId, id]`, `["tx_tag", idTagKey(idTag), id]` -> id; `["tx_sid", cpId, stationTransactionId]` -> id
 *   (the newest), `["tx_sid", cpId, stationTransactionId, stationIdReuse]` -> id (reuses, 1 and up)
 *   (OCPP 2.0.1); `["tx_t", startTimestamp, id]` -> id (lists by start time; a file written before gets them
 *   once at open, `start_times.ts`)
 * - `["orphan", cpId, transactionId, timestamp, meterStop]` OrphanStopRecord; `["orphan_t", receivedAt, seq]`
 *   and `["orphan_cp", cpId, receivedAt, seq]` -> orphan key; `["orphan_td", cpId, transactionId, timestamp,
 *   meterStop, i]` a piece of a large transactionData (orphan_data.ts)
 * - `["mv_cp", cpId, timestamp, connectorId]` a group: the first sampled values stored for that connector and
 *   time (one MeterValues `meterValue` element), never rewritten, in the station's list (its value bytes, see
 *   `groupBytes`; a MeterGroup object when written before); `["mv", cpId,
 *   connectorId, timestamp, measurand, phase ?? "", location, value]` MeterValueRow (or `["mv_h", sha256]`
 *   when that key would be too long): a sampled value stored after its group (a frame overlapping an earlier
 *   one; every row before the groups came); `["mv_cp", cpId, timestamp, seq]` -> mv key (or an mv_g key);
 *   `["mv_tx", transactionId, timestamp, seq]` -> mv_cp group or mv key (or an mv_g key);
 *   `["mv_rx", transactionId, receivedAt, seq]` -> the same, for values that arrived more than
 *   ARRIVAL_SKEW_MS from their time (live charts' `since` reads; written since December 2026); `["meta",
 *   "mv_layout"]` "groups" when the file held no per-row meter value when groups began, "stations" when it
 *   held no `["mv_g", cpId, connectorId, timestamp]` group either (the layout before groups moved into the
 *   station's list, still read)
 * - `["mv_j", n, cpId, timestamp, connectorId]` a group journaled on a local file (meter_journal.ts), `n`
 *   growing: its value is the bytes `["mv_cp", cpId, timestamp, connectorId]` will hold once applied
 * - `["cmd", cpId, requestedAt, seq]` CommandLogEntry
 *
 * `seq` is a per-process monotonic string, so entries with equal times keep their insertion order.
 */
import { idTagKey } from "../../model/id_tag.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { OrphanStopRecord, StartKey, TransactionRecord } from "../../model/transaction.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";

export const TX_COUNTER: Deno.KvKey = ["counter", "tx"];

export const chargePointKey = (id: string): Deno.KvKey => ["cp", id];
export const seenKey = (id: string): Deno.KvKey => ["cp_seen", id];
export const transactionKey = (id: number): Deno.KvKey => ["tx", id];
/** A transaction's pointer by its start time (the station's `startTimestamp`, as stored). */
export const startTimeKey = (startTimestamp: string, id: number): Deno.KvKey => ["tx_t", startTimestamp, id];
export const openKey = (chargePointId: string, connectorId: number): Deno.KvKey => [
  "tx_open",
  chargePointId,
  connectorId,
];

/** The prefix of an id tag's active transactions, by the tag's case-insensitive key (model/id_tag.ts `idTagKey`). */
export const activeTagPrefix = (idTag: string): Deno.KvKey => ["tx_active_tag", idTagKey(idTag)];

/** An active transaction of an id tag. */
export const activeTagKey = (idTag: string, transactionId: number): Deno.KvKey => [
  ...activeTagPrefix(idTag),
  transactionId,
];

/** The prefix of an id tag's transaction pointers (`[..., id]`), by its case-insensitive key. */
export const tagKey = (idTag: string): Deno.KvKey => ["tx_tag", idTagKey(idTag)];

/** OCPP 2.0.1: a station's own transactionId -> our id of the newest transaction it named. */
export const stationIdKey = (chargePointId: string, stationTransactionId: string): Deno.KvKey => [
  "tx_sid",
  chargePointId,
  stationTransactionId,
];

/**
 * OCPP 2.0.1: the `reuse`-th transaction (1 and up) under a station's transactionId that named another before
 * -> our id; absent until then, so a reuse is stored once.
 */
export const stationIdReuseKey = (
  chargePointId: string,
  stationTransactionId: string,
  reuse: number,
): Deno.KvKey => ["tx_sid", chargePointId, stationTransactionId, reuse];

export function startKey(k: StartKey): Deno.KvKey {
  return ["tx_start", k.chargePointId, k.connectorId, k.idTag, k.meterStart, k.timestamp];
}

/**
 * The replay index key of a 1.6 start; null for an OCPP 2.0.1 transaction, whose station's own transactionId
 * (`stationIdKey`) is what a replay repeats: two of its sessions may start alike (a station without a clock).
 */
export function startKeyOf(tx: TransactionRecord): Deno.KvKey | null {
  if (tx.stationTransactionId !== undefined) return null;
  return startKey({ ...tx, timestamp: tx.startTimestamp });
}

export function orphanKey(o: OrphanStopRecord): Deno.KvKey {
  return ["orphan", o.chargePointId, o.transactionId, o.timestamp, o.meterStop];
}

/** Deno KV refuses keys over 2 KiB; hash a meter value's key well before that. */
const MAX_MV_KEY_BYTES = 1024;

const encoder = new TextEncoder();

/**
 * The plain dedupe key of a meter value, or null when it is too long for KV (then `hashedMeterValueKey`).
 * Synchronous: the common case costs no promise.
 */
export function plainMeterValueKey(row: MeterValueRow): Deno.KvKey | null {
  const key = naturalKey(row);
  return keyBytes(key) <= MAX_MV_KEY_BYTES ? key : null;
}

/** The SHA-256 of the natural key's parts (without "mv"), for a key too long for KV. */
export async function hashedMeterValueKey(row: MeterValueRow): Promise<Deno.KvKey> {
  const parts = naturalKey(row).slice(1);
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(JSON.stringify(parts)));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return ["mv_h", hex];
}

/**
 * The key of the group holding `row`'s connector and time, in its station's list; null when too long for KV
 * (rows alone then).
 */
export function meterGroupKey(row: MeterValueRow): Deno.KvKey | null {
  const key = ["mv_cp", row.chargePointId, row.timestamp, row.connectorId];
  return keyBytes(key) <= MAX_MV_KEY_BYTES ? key : null;
}

/** Where the layout before this one kept that group (see meter_values.ts). */
export function oldMeterGroupKey(row: MeterValueRow): Deno.KvKey {
  return ["mv_g", row.chargePointId, row.connectorId, row.timestamp];
}

/** A meter value's natural key as a Map key: equal for the same sampled value, whatever else differs. */
export function meterValueId(row: MeterValueRow): string {
  return keyId(naturalKey(row));
}

/**
 * What makes a sampled value itself: its connector, time, measurand, phase, location and value, and also its
 * context and transaction (0: none), so that a Transaction.Begin reading equal to an idle Sample.Clock one,
 * or a reading sent again with its transaction, is stored, not taken for a replay.
 */
function naturalKey(row: MeterValueRow): Deno.KvKey {
  return [
    "mv",
    row.chargePointId,
    row.connectorId,
    row.timestamp,
    row.measurand,
    row.phase ?? "",
    row.location,
    row.value,
    row.context,
    row.transactionId ?? 0,
  ];
}

/** An upper bound of a key's encoded size. */
export function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const part of key) n += (typeof part === "string" ? byteLength(part) : 16) + 2;
  return n;
}

// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length without encoding ASCII (the common case) into a buffer: one native scan. */
export function byteLength(text: string): number {
  return NON_ASCII.test(text) ? encoder.encode(text).length : text.length;
}

/**
 * A key as a Map key: each part tagged with its type, strings with their length, so distinct keys never
 * give the same id. Hot (every key of every commit): plain concatenation, no JSON.
 */
export function keyId(key: Deno.KvKey): string {
  let id = "";
  for (const part of key) {
    switch (typeof part) {
      case "string":
        id += `s${part.length}:${part}`;
        break;
      case "number":
        id += `n${part};`;
        break;
      case "bigint":
        id += `b${part};`;
        break;
      case "boolean":
        id += part ? "T" : "F";
        break;
      default:
        id += `u${(part as Uint8Array).join(",")};`;
    }
  }
  return id;
}

/**
 * Whether two keys have the same `keyId`, without building either id: for the few keys of one station's
 * write (a string per key and its hash cost more than comparing a handful of parts).
 */
export function sameKey(a: Deno.KvKey, b: Deno.KvKey): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y) continue;
    if (typeof x !== typeof y) return false;
    // keyId writes NaN as NaN; bytes by their values.
    if (typeof x === "number" && Number.isNaN(x) && Number.isNaN(y)) continue;
    if (!(x instanceof Uint8Array) || !sameBytes(x, y as Uint8Array)) return false;
  }
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `kv.getMany` reads at most 10 keys at a time. */
export const GET_MANY_MAX = 10;

/**
 * Reads any number of keys, ten at a time, in parallel; results in key order. No keys: no KV call (a group
 * commit of meter values alone reads nothing, and an empty read would still cost it a trip through the event
 * loop before its write).
 */
export async function getAll<T>(kv: Deno.Kv, keys: readonly Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
  if (keys.length === 0) return [];
  if (keys.length <= GET_MANY_MAX) return await kv.getMany<T[]>(keys as Deno.KvKey[]);
  const groups: Deno.KvKey[][] = [];
  for (let i = 0; i < keys.length; i += GET_MANY_MAX) groups.push(keys.slice(i, i + GET_MANY_MAX));
  const results = await Promise.all(groups.map((g) => kv.getMany<T[]>(g)));
  return results.flat();
}

/**
 * Monotonic within the process; sortable as a string; a random tail, drawn once per sequence (process), keeps
 * keys unique across processes (time and count are unique within one).
 */
export class Sequence {
  #lastMs = 0;
  #count = 0;
  readonly #tail = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).padStart(7, "0");

  next(): string {
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#count = 0;
    } else {
      this.#count++;
    }
    return `${this.#lastMs.toString(36).padStart(9, "0")}.${
      this.#count.toString(36).padStart(6, "0")
    }.${this.#tail}`;
  }
}

/** Records under `[prefix, id]` sorted by id, strictly after `page.after`, up to `page.limit` matches. */
export async function scanAfter<T>(
  kv: Deno.Kv,
  prefix: [string],
  page: { after?: string; limit: number },
  keep: (value: T) => boolean,
): Promise<T[]> {
  const out: T[] = [];
  if (page.limit <= 0) return out;
  const selector: Deno.KvListSelector = page.after === undefined
    ? { prefix }
    : { prefix, start: [...prefix, page.after] };
  for await (const entry of kv.list<T>(selector)) {
    if (entry.key[1] === page.after) continue;
    if (keep(entry.value)) out.push(entry.value);
    if (out.length >= page.limit) break;
  }
  return out;
}

/** The values under a prefix, in key order (or reversed), up to `limit`. */
export async function values<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  reverse: boolean,
): Promise<T[]> {
  if (limit <= 0) return [];
  const out: T[] = [];
  for await (const entry of kv.list<T>({ prefix }, { reverse, limit })) out.push(entry.value);
  return out;
}

/**
 * A page of a station's history kept under `[...prefix, time, seq]`, newest first: with `before`, only the keys
 * below the cursor's (the next page). The cursor of the last entry is its key's time and seq.
 */
export async function historyPage<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  page: HistoryPageRequest,
): Promise<HistoryPage<T>> {
  if (page.limit <= 0) return { items: [], next: null };
  const selector: Deno.KvListSelector = page.before === undefined
    ? { prefix }
    : { prefix, end: [...prefix, page.before.at, page.before.id] };
  const items: T[] = [];
  let last: Deno.KvKey | undefined;
  for await (const entry of kv.list<T>(selector, { reverse: true, limit: page.limit })) {
    items.push(entry.value);
    last = entry.key;
  }
  const next = items.length === page.limit && last !== undefined
    ? { at: last[prefix.length] as string, id: last[prefix.length + 1] as string }
    : null;
  return { items, next };
}

/**
 * Follows the pointers of an index to their records, in index order. A record two writers indexed at once
 * (two processes storing the same natural key) is listed once.
 */
export async function follow<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  reverse: boolean,
): Promise<T[]> {
  if (limit <= 0) return [];
  const pointers: Deno.KvKey[] = [];
  const seen = new Set<string>();
  for await (const entry of kv.list<Deno.KvKey>({ prefix }, { reverse })) {
    const id = keyId(entry.value);
    if (seen.has(id)) continue;
    seen.add(id);
    pointers.push(entry.value);
    if (pointers.length >= limit) break;
  }
  const entries = await getAll<T>(kv, pointers);
  return entries.flatMap((e) => e.versionstamp === null ? [] : [e.value as T]);
}
