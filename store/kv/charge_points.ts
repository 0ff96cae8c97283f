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
 * so each writer's fields survive.
 */
import { type ChargePointRecord, emptyRecord } from "../../model/charge_point.ts";
import { changesTime, type StationChanges } from "../../model/changes.ts";
import type { StatusHistoryEntry } from "../../model/status_history.ts";
import type { ChargePointStore, PageRequest } from "../mod.ts";
import { chargePointKey, scanAfter, seenKey, type Sequence, values } from "./keys.ts";
import type { KvReads } from "./reads.ts";
import type { WriteSet } from "./write_set.ts";

type Reads = Pick<ChargePointStore, "getChargePoint" | "listChargePoints" | "listStatusHistory">;

export class KvChargePoints implements Reads {
  constructor(private readonly kv: Deno.Kv, private readonly reads: KvReads) {}

  /** Every station's connect reads it (a boot burst): read with the other lookups of the same tick. */
  async getChargePoint(id: string): Promise<ChargePointRecord | null> {
    const [record, seen] = await this.reads.getMany<unknown>([chargePointKey(id), seenKey(id)]);
    const value = record!.value as ChargePointRecord | null;
    return value === null ? null : withLastSeen(value, seen!.value as string | null);
  }

  async putChargePoint(record: ChargePointRecord): Promise<void> {
    await this.kv.atomic().set(chargePointKey(record.id), record).delete(seenKey(record.id)).commit();
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
    const seen = new Map<string, string>();
    const range = { start: seenKey(first.id), end: [...seenKey(last.id), ""] };
    for await (const entry of this.kv.list<string>(range)) seen.set(entry.key[1] as string, entry.value);
    return records.map((r) => withLastSeen(r, seen.get(r.id) ?? null));
  }

  async listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    return await values<StatusHistoryEntry>(this.kv, ["cp_status", chargePointId], limit, true);
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
    const entry = read(chargePointKey(id)) as Deno.KvEntryMaybe<ChargePointRecord>;
    const base = entry.value ?? emptyRecord(id, new Date(changesTime(changes) ?? 0));
    const record: ChargePointRecord = { ...base, ...changes.snapshot, id };
    if (changes.lastSeen !== undefined) record.lastSeen = changes.lastSeen;
    set.check(entry);
    set.set(chargePointKey(id), record);
    // The record now carries the newest lastSeen (or starts afresh): an older touch must not shadow it.
    if (entry.value === null || changes.snapshot.lastSeen !== undefined || changes.lastSeen !== undefined) {
      set.delete(seenKey(id));
    }
  } else if (changes.lastSeen !== undefined) {
    set.set(seenKey(id), changes.lastSeen);
  }
  for (const entry of changes.statusHistory ?? []) {
    set.set(["cp_status", entry.chargePointId, entry.receivedAt, seq.next()], entry);
  }
}

/** A record with the lastSeen of a later touch, if there was one. */
function withLastSeen(record: ChargePointRecord, seen: string | null): ChargePointRecord {
  return seen === null ? record : { ...record, lastSeen: seen };
}
