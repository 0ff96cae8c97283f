/**
 * Station snapshots and status history on Deno KV: reads, `putChargePoint`, and the commit's writes of a
 * snapshot patch, a touch and status history entries.
 *
 * Touches (Heartbeat, a close) are the hot path: a blind `set` of `["cp_seen", id]`, no read and no check.
 * Blind is safe because one station's writes are ordered by its actor, the one writer, which awaits each
 * commit before the next: the last touch is the newest, and a later write of the record's lastSeen deletes
 * it. A touch of an id with no record leaves a `cp_seen` key that reads ignore and the record's first write
 * deletes.
 *
 * A snapshot patch is read-modify-write of `["cp", id]` with a check on the version read: a concurrent writer
 * of the same record (an operator's patch through another process) makes the commit retry on the new record,
 * so each writer's fields survive. The record also keeps which connection of the station last wrote it
 * (`writtenBy`, never read out): a patch of an older connection (its node frozen past its lease, thawed) is
 * not written (`replaces()`), its set marked `replaced`.
 *
 * The configuration and 2.0.1 charging reports (`SIDE_FIELDS`) are kept under keys of their own: a station's
 * GetConfiguration answer is often 10-20 KB, and the record is rewritten at every status, Start and Stop (with
 * 150 keys a StatusNotification cost KV ~5x the CPU). Only the station's actor patches them (ACTOR_FIELDS), so
 * a patch naming one sets its key blindly, as a touch does; a whole-record write (`putChargePoint`: imports,
 * tools) replaces them as it replaces the rest. A record written before still holds them, and its next write
 * moves them out; a binary older than this reads such a moved record without them. Reads take the record's own
 * value when it has one, else the key's. A side value is kept within one KV value (`fittedConfiguration`,
 * `fittedReports`): its first entries that fit.
 */
import {
  type ChargePointRecord,
  type ConfigurationKeyValue,
  emptyRecord,
  type SnapshotPatch,
} from "../../model/charge_point.ts";
import { changesTime, type StationChanges, type WriterConnection } from "../../model/changes.ts";
import { replaces, withStoredWriter } from "../../model/newest_connection.ts";
import type { ChargingReports } from "../../model/charging_reports.ts";
import { type ProtocolErrorsClear, protocolErrorsClear } from "../../model/protocol_errors.ts";
import {
  epochAfterWrite,
  protocolErrorsOnWrite,
  withProtocolErrorsEpoch,
} from "../../model/protocol_errors_base.ts";
import { isUntimedCopy, statusEntryInUtcMs, type StatusHistoryEntry } from "../../model/status_history.ts";
import type { ChargePointStore, HistoryPage, HistoryPageRequest, PageRequest } from "../mod.ts";
import { chargePointKey, historyPage, scanAfter, seenKey, type Sequence, values } from "./keys.ts";
import type { KvReads } from "./reads.ts";
import { fitsOneValue, longestPrefix } from "./fit.ts";
import { atomicOf, WriteSet } from "./write_set.ts";

type Reads = Pick<
  ChargePointStore,
  "getChargePoint" | "listChargePoints" | "listStatusHistory" | "pageStatusHistory"
>;

/** The record's large, rarely changed fields, and the key family each is kept under. */
const SIDE_FIELDS = [
  { field: "configuration", prefix: "cp_config" },
  { field: "chargingReports", prefix: "cp_reports" },
] as const satisfies readonly { field: keyof SnapshotPatch; prefix: string }[];

const sideKey = (prefix: string, id: string): Deno.KvKey => [prefix, id];

export class KvChargePoints implements Reads {
  constructor(private readonly kv: Deno.Kv, private readonly reads: KvReads) {}

  /** Every station's connect reads it (a boot burst): read with the other lookups of the same tick. */
  async getChargePoint(id: string): Promise<ChargePointRecord | null> {
    const [record, seen, ...sides] = await this.reads.getMany<unknown>([
      chargePointKey(id),
      seenKey(id),
      ...SIDE_FIELDS.map((s) => sideKey(s.prefix, id)),
    ]);
    const value = record!.value as StoredRecord | null;
    if (value === null) return null;
    const out = withSideFields(
      withLastSeen(unmarked(value), seen!.value as string | null),
      sides.map((e) => e!.value),
    );
    return withProtocolErrorsEpoch(withStoredWriter(out, value.writtenBy), value.protocolErrorsEpoch ?? 0);
  }

  /**
   * `ChargePointStore.clearProtocolErrors`: the record written back with a check on the version read, again on
   * the newer record when another write came between (another process's clear, a commit). The clear moves
   * the clear epoch: the station's actor somewhere that counted from these errors keeps only newer ones.
   */
  async clearProtocolErrors(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null> {
    for (;;) {
      const entry = await this.kv.get<StoredRecord>(chargePointKey(id));
      if (entry.value === null) return null;
      const outcome = protocolErrorsClear(entry.value.protocolErrors, seenAt);
      if (!("cleared" in outcome)) return outcome;
      const epoch = epochAfterWrite(null, entry.value.protocolErrorsEpoch ?? 0);
      const cleared: StoredRecord = {
        ...entry.value,
        protocolErrors: null,
        protocolErrorsEpoch: epoch,
        updatedAt: at,
      };
      const { ok } = await this.kv.atomic().check(entry).set(chargePointKey(id), cleared).commit();
      if (ok) return outcome;
    }
  }

  async putChargePoint(record: ChargePointRecord): Promise<void> {
    const set = new WriteSet();
    set.set(chargePointKey(record.id), withoutSideFields(record, set, SIDE_FIELDS.map(() => true)));
    set.delete(seenKey(record.id));
    await atomicOf(this.kv, [set]).commit();
  }

  async listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]> {
    const needle = page.search?.toLowerCase();
    const records = await scanAfter<ChargePointRecord>(
      this.kv,
      ["cp"],
      page,
      needle === undefined ? () => true : (r) => r.id.toLowerCase().includes(needle),
    );
    const first = records[0];
    const last = records.at(-1);
    if (first === undefined || last === undefined) return records;
    // The touches of this page's id range in one scan (["cp_seen", last.id] sorts before the end key).
    const seen = new Map<string, unknown>();
    const range = { start: seenKey(first.id), end: [...seenKey(last.id), ""] };
    for await (const entry of this.kv.list(range)) seen.set(entry.key[1] as string, entry.value);
    return records.map((r) => listed(withLastSeen(unmarked(r), (seen.get(r.id) as string) ?? null)));
  }

  async listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    return await values<StatusHistoryEntry>(this.kv, ["cp_status", chargePointId], limit, true);
  }

  async pageStatusHistory(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<StatusHistoryEntry>> {
    return await historyPage<StatusHistoryEntry>(this.kv, ["cp_status", chargePointId], page);
  }
}

/** The keys a commit of `changes` reads before it writes the station's own record. */
export function stationKeys(changes: StationChanges): Deno.KvKey[] {
  return changes.snapshot ? [chargePointKey(changes.chargePointId)] : [];
}

/** Adds the snapshot patch (or the touch) and the status history of `changes` to `set`. */
export function planStation(
  changes: StationChanges,
  read: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
  set: WriteSet,
  seq: Sequence,
): void {
  const id = changes.chargePointId;
  if (changes.snapshot) {
    const entry = read(chargePointKey(id)) as Deno.KvEntryMaybe<StoredRecord>;
    const by = changes.connection;
    const last = entry.value?.writtenBy;
    set.check(entry);
    if (by && last && !replaces(by, last)) {
      // Neither its record nor its lastSeen (a touch would shadow the newer connection's record's).
      set.replaced = true;
      planStatusHistory(changes, read, set, seq);
      return;
    }
    const base = entry.value ?? emptyRecord(id, new Date(changesTime(changes) ?? 0));
    const merged: StoredRecord = { ...base, ...changes.snapshot, id };
    if (by) merged.writtenBy = by;
    const errors = changes.snapshot.protocolErrors;
    if (errors !== undefined) {
      const storedEpoch = entry.value?.protocolErrorsEpoch ?? 0;
      const epoch = epochAfterWrite(errors, storedEpoch);
      if (changes.protocolErrorsBase) {
        merged.protocolErrors = protocolErrorsOnWrite(errors, changes.protocolErrorsBase, storedEpoch);
        set.protocolErrorsEpoch = epoch;
      }
      if (epoch !== 0) merged.protocolErrorsEpoch = epoch;
    }
    if (changes.lastSeen !== undefined) merged.lastSeen = changes.lastSeen;
    const patched = SIDE_FIELDS.map((s) => changes.snapshot![s.field] !== undefined);
    set.set(chargePointKey(id), fitted(withoutSideFields(merged, set, patched)));
    // The record now carries the newest lastSeen (or starts afresh): an older touch must not shadow it.
    if (entry.value === null || changes.snapshot.lastSeen !== undefined || changes.lastSeen !== undefined) {
      set.delete(seenKey(id));
    }
  } else if (changes.lastSeen !== undefined) {
    set.set(seenKey(id), changes.lastSeen);
  }
  planStatusHistory(changes, read, set, seq);
}

/**
 * The key of a status report (the copies `model/status_history.ts` names): held while its history entry is,
 * pointing to it, so a copy of the report (a StatusNotification sent again) is not stored twice. The
 * station's time as a number (one instant, however it was spelled), absent parts as -1 and "".
 */
export function statusReportKey(entry: StatusHistoryEntry): Deno.KvKey {
  // Spelled as stored: an entry written before times were normalised (retention reads those) keeps its key.
  const ms = Date.parse(entry.timestamp);
  return [
    // A report without the station's time is named by its CALL (`model/status_history.ts`).
    entry.callId === undefined ? "cp_status_report" : "cp_status_call",
    entry.chargePointId,
    entry.evseId ?? -1,
    entry.connectorId,
    entry.callId ?? (Number.isNaN(ms) ? entry.timestamp : ms),
    entry.status,
    entry.errorCode ?? "",
    entry.info ?? "",
    entry.vendorId ?? "",
    entry.vendorErrorCode ?? "",
  ];
}

/** The keys a commit of `changes` reads before it writes its status history: each report's key. */
export function statusReportKeys(changes: StationChanges): Deno.KvKey[] {
  return (changes.statusHistory ?? []).map(statusReportKey);
}

/**
 * Each status report not stored yet (its key absent, checked) as a history entry and its key, a unit of its own
 * (as the device model's entries): a commit of more than one atomic's checks (an import) spreads over several,
 * and a unit stored before a failed rest is harmless (planned again, its key is there).
 */
function planStatusHistory(
  changes: StationChanges,
  read: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
  set: WriteSet,
  seq: Sequence,
): void {
  const planned = new Set<string>();
  for (const given of changes.statusHistory ?? []) {
    const entry = statusEntryInUtcMs(given);
    const reportKey = statusReportKey(entry);
    const report = read(reportKey);
    const id = JSON.stringify(reportKey);
    if (planned.has(id) || (report.value !== null && isCopy(entry, report.value))) continue;
    planned.add(id);
    const key: Deno.KvKey = ["cp_status", entry.chargePointId, entry.receivedAt, seq.next()];
    set.unit([report], [[key, entry], [reportKey, key]], 0);
  }
}

/**
 * Whether `entry` is a copy of the report whose history entry `stored` points to: always for a report with
 * the station's time; within the window of the first for one named by its CALL (its id may come again later).
 */
function isCopy(entry: StatusHistoryEntry, stored: unknown): boolean {
  if (entry.callId === undefined) return true;
  const firstAt = Array.isArray(stored) ? stored[2] : undefined;
  return typeof firstAt === "string" && isUntimedCopy(entry, firstAt);
}

/**
 * A record as stored: with the connection that last wrote it, if a station's actor did, and its protocol
 * errors clear epoch once cleared (`model/protocol_errors_base.ts`).
 */
type StoredRecord = ChargePointRecord & { writtenBy?: WriterConnection; protocolErrorsEpoch?: number };

/** A stored record as read out: which connection wrote it and the clear epoch are the store's own business. */
function unmarked(record: StoredRecord): ChargePointRecord {
  if (record.writtenBy === undefined && record.protocolErrorsEpoch === undefined) return record;
  const { writtenBy: _, protocolErrorsEpoch: _epoch, ...rest } = record;
  return rest;
}

/**
 * `record`, or when too large for one KV value (a hundred connectors with long texts), without its connectors'
 * free texts (info, vendorId, vendorErrorCode), which the status history keeps: a record KV refused would fail
 * every later write of the station. A few connectors fit whatever their texts (OCPP bounds them), so most
 * records are not measured.
 */
export function fitted(record: ChargePointRecord): ChargePointRecord {
  if (record.connectors.length <= 8 || fitsOneValue(record)) return record;
  const connectors = record.connectors.map(({ info: _, vendorId: _v, vendorErrorCode: _c, ...rest }) => rest);
  return { ...record, connectors };
}

/**
 * `record` as stored: its side fields out, each written to its key when it has a value (`patched` names the
 * fields the write sets; the others are written only to move them out of a record written before), its key
 * deleted when a patch cleared it.
 */
function withoutSideFields(
  record: ChargePointRecord,
  set: Pick<WriteSet, "set" | "delete">,
  patched: readonly boolean[],
): ChargePointRecord {
  if (!SIDE_FIELDS.some((s, i) => patched[i] || record[s.field] != null)) return record;
  SIDE_FIELDS.forEach(({ field, prefix }, i) => {
    const key = sideKey(prefix, record.id);
    const value = record[field];
    if (Array.isArray(value)) set.set(key, fittedConfiguration(value));
    else if (value != null) set.set(key, fittedReports(value as ChargingReports));
    else if (patched[i]) set.delete(key);
  });
  return listed(record);
}

/**
 * A configuration as KV can keep it: whole, or its first keys that fit (a GetConfiguration answer can be larger
 * when MAX_FRAME_BYTES is raised). PostgreSQL keeps it whole; the operator who asked got it whole.
 */
export function fittedConfiguration(configuration: ConfigurationKeyValue[]): ConfigurationKeyValue[] {
  return fitsOneValue(configuration) ? configuration : configuration.slice(
    0,
    longestPrefix(configuration.length, (n) => fitsOneValue(configuration.slice(0, n))),
  );
}

/**
 * 2.0.1 charging reports as KV can keep them: whole, or the external limits first (load management reads them),
 * the newest first, then the reported profiles that still fit (a display of what the station said).
 */
export function fittedReports(reports: ChargingReports): ChargingReports {
  if (fitsOneValue(reports)) return reports;
  const newestLimits = reports.limits.slice().reverse();
  const keptLimits = longestPrefix(
    newestLimits.length,
    (n) => fitsOneValue({ ...reports, reports: [], limits: newestLimits.slice(0, n) }),
  );
  const withLimits = { ...reports, limits: newestLimits.slice(0, keptLimits).reverse() };
  const keptReports = longestPrefix(
    reports.reports.length,
    (n) => fitsOneValue({ ...withLimits, reports: reports.reports.slice(0, n) }),
  );
  return { ...withLimits, reports: reports.reports.slice(0, keptReports) };
}

/** A record without its side fields: as stored, and as lists give it (a record written before may hold them). */
function listed(record: ChargePointRecord): ChargePointRecord {
  if (record.configuration === null && record.chargingReports === undefined) return record;
  const out: ChargePointRecord = { ...record, configuration: null };
  delete out.chargingReports;
  return out;
}

/** A stored record with its side fields: its own values (a record written before), else their keys'. */
function withSideFields(record: ChargePointRecord, sides: readonly unknown[]): ChargePointRecord {
  if (sides.every((v) => v === null)) return record;
  const out = { ...record };
  const [configuration, chargingReports] = sides; // in SIDE_FIELDS order
  if (out.configuration == null && configuration != null) {
    out.configuration = configuration as ChargePointRecord["configuration"];
  }
  if (out.chargingReports == null && chargingReports != null) {
    out.chargingReports = chargingReports as ChargingReports;
  }
  return out;
}

/** A record with the lastSeen of a later touch, if there was one. */
function withLastSeen(record: ChargePointRecord, seen: string | null): ChargePointRecord {
  return seen === null ? record : { ...record, lastSeen: seen };
}
