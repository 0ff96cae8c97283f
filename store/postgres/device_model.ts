/**
 * OCPP 2.0.1 device models on PostgreSQL (migration 013): one row per entry, upserted by the commit; the
 * values commands' answers told change their stored rows (read for update, changed as `withValue` says).
 */
import type { Sql } from "postgres";
import type { Writer } from "./sql.ts";
import type { StationChanges } from "../../model/changes.ts";
import {
  type DeviceModelEntry,
  deviceModelKey,
  type DeviceModelValue,
  withValue,
} from "../../model/device_model.ts";
import type { PageRequest } from "../mod.ts";

export class PgDeviceModel {
  constructor(private readonly sql: Sql) {}

  async listDeviceModel(chargePointId: string, page: PageRequest): Promise<DeviceModelEntry[]> {
    const sql = this.sql;
    const rows = await sql<{ entry: DeviceModelEntry }[]>`
      select entry from device_model
      where charge_point_id = ${chargePointId}
        ${page.after !== undefined ? sql`and key > ${page.after}` : sql``}
      order by key
      limit ${page.limit}
    `;
    return rows.map((r) => r.entry);
  }

  async storedKeys(chargePointId: string, keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.sql<{ key: string }[]>`
      select key from device_model where charge_point_id = ${chargePointId} and key = any(${keys as string[]}::text[])`;
    return new Set(rows.map((r) => r.key));
  }

  async entries(chargePointId: string, keys: readonly string[]): Promise<DeviceModelEntry[]> {
    if (keys.length === 0) return [];
    const rows = await this.sql<{ entry: DeviceModelEntry }[]>`
      select entry from device_model where charge_point_id = ${chargePointId} and key = any(${keys as string[]}::text[])
      order by key`;
    return rows.map((r) => r.entry);
  }

  async count(chargePointId: string, atMost: number): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`
      select count(*)::int as n from (
        select 1 from device_model where charge_point_id = ${chargePointId} limit ${atMost}) bounded`;
    return row?.n ?? 0;
  }

  async write(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    // The last description of a key in the batch wins (a report may describe a variable twice).
    const byKey = new Map<string, DeviceModelEntry>();
    for (const entry of members.flatMap((m) => m.deviceModel ?? [])) {
      byKey.set(JSON.stringify([entry.chargePointId, deviceModelKey(entry)]), entry);
    }
    if (byKey.size > 0) await this.#upsert(tx, [...byKey.values()]);
    const told = members.flatMap((m) => m.deviceModelValues ?? []);
    if (told.length > 0) await this.#change(tx, told);
  }

  async #upsert(tx: Writer, entries: DeviceModelEntry[]): Promise<void> {
    await tx`
      insert into device_model (charge_point_id, key, entry, updated_at)
      select cp, key, entry::jsonb, at from unnest(
        ${entries.map((e) => e.chargePointId)}::text[],
        ${entries.map((e) => deviceModelKey(e))}::text[],
        ${entries.map((e) => JSON.stringify(e))}::text[],
        ${entries.map((e) => e.receivedAt)}::timestamptz[]
      ) as v(cp, key, entry, at)
      on conflict (charge_point_id, key) do update set entry = excluded.entry, updated_at = excluded.updated_at
    `.execute();
  }

  /** Told values change the stored entries of their keys, in order; a key with no entry is left alone. */
  async #change(tx: Writer, told: DeviceModelValue[]): Promise<void> {
    const ids = (v: { chargePointId: string; key: string }) => JSON.stringify([v.chargePointId, v.key]);
    const keyed = told.map((v) => ({ chargePointId: v.chargePointId, key: deviceModelKey(v), told: v }));
    const rows = await tx<{ charge_point_id: string; key: string; entry: DeviceModelEntry }[]>`
      select d.charge_point_id, d.key, d.entry from device_model d
      join unnest(${keyed.map((k) => k.chargePointId)}::text[], ${keyed.map((k) => k.key)}::text[])
        as v(cp, key) on d.charge_point_id = v.cp and d.key = v.key
      for update of d
    `.execute();
    const stored = new Map(rows.map((r) => [ids({ chargePointId: r.charge_point_id, key: r.key }), r.entry]));
    const changed = new Map<string, { chargePointId: string; key: string; entry: DeviceModelEntry }>();
    for (const k of keyed) {
      const id = ids(k);
      const base = changed.get(id)?.entry ?? stored.get(id);
      if (base !== undefined) changed.set(id, { ...k, entry: withValue(base, k.told) });
    }
    if (changed.size === 0) return;
    const out = [...changed.values()];
    await tx`
      update device_model d set entry = v.entry::jsonb, updated_at = v.at
      from unnest(
        ${out.map((c) => c.chargePointId)}::text[],
        ${out.map((c) => c.key)}::text[],
        ${out.map((c) => JSON.stringify(c.entry))}::text[],
        ${out.map((c) => c.entry.valueChangedAt!)}::timestamptz[]
      ) as v(cp, key, entry, at)
      where d.charge_point_id = v.cp and d.key = v.key
    `.execute();
  }
}
