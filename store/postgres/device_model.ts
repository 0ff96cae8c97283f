/** OCPP 2.0.1 device models on PostgreSQL (migration 013): one row per entry, upserted by the commit. */
import type { Sql } from "postgres";
import type { Writer } from "./sql.ts";
import type { StationChanges } from "../../model/changes.ts";
import { type DeviceModelEntry, deviceModelKey } from "../../model/device_model.ts";
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

  async write(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    // The last description of a key in the batch wins (a report may describe a variable twice).
    const byKey = new Map<string, DeviceModelEntry>();
    for (const entry of members.flatMap((m) => m.deviceModel ?? [])) {
      byKey.set(JSON.stringify([entry.chargePointId, deviceModelKey(entry)]), entry);
    }
    if (byKey.size === 0) return;
    const entries = [...byKey.values()];
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
}
