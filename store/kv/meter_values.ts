/**
 * Meter values on Deno KV. Each row is stored once under its natural key. A batch writes optimistically:
 * every row with a check that its key is still absent (a point read inside the write itself, far cheaper than
 * reading first). A replayed row fails its atomic's check; the members of that atomic are then written one
 * by one, reading first which rows exist and writing only the new ones, blind. Should two processes store
 * the same row at once, both index it; lists follow each stored row once.
 */
import type { StationChanges } from "../../model/changes.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { MeterValueStore } from "../mod.ts";
import { follow, hashedMeterValueKey, keyId, plainMeterValueKey, type Sequence } from "./keys.ts";
import type { WriteSet } from "./write_set.ts";

type Reads = Pick<MeterValueStore, "listMeterValuesByTransaction" | "listMeterValuesByChargePoint">;

export class KvMeterValues implements Reads {
  constructor(private readonly kv: Deno.Kv) {}

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    return await follow<MeterValueRow>(this.kv, ["mv_tx", transactionId], Infinity, false);
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return await follow<MeterValueRow>(this.kv, ["mv_cp", chargePointId], limit, true);
  }
}

/** A station's meter values with their keys, the first of equal rows kept. */
export type KeyedRows = { key: Deno.KvKey; row: MeterValueRow }[];

export async function keyRows(changes: StationChanges): Promise<KeyedRows> {
  const rows = changes.meterValues ?? [];
  if (rows.length === 0) return [];
  const unique = new Map<string, { key: Deno.KvKey; row: MeterValueRow }>();
  for (const row of rows) {
    const key = plainMeterValueKey(row) ?? await hashedMeterValueKey(row);
    const id = keyId(key);
    if (!unique.has(id)) unique.set(id, { key, row });
  }
  return [...unique.values()];
}

/**
 * Adds the rows to `set` and counts them: with `read`, only the rows not stored yet; without, every row,
 * each checked to be absent when the atomic commits.
 */
export function planMeterValues(
  rows: KeyedRows,
  read: ((key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>) | null,
  set: WriteSet,
  seq: Sequence,
): void {
  for (const { key, row } of rows) {
    if (read === null) set.check({ key, versionstamp: null });
    else if (read(key).versionstamp !== null) continue;
    const at = seq.next();
    set.set(key, row, { idempotent: true });
    set.set(["mv_cp", row.chargePointId, row.timestamp, at], key, { idempotent: true });
    if (row.transactionId !== null) {
      set.set(["mv_tx", row.transactionId, row.timestamp, at], key, { idempotent: true });
    }
    set.meterValuesAdded++;
  }
}
