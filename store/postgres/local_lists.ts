/**
 * The LocalListStore on PostgreSQL (`local_list_meta`, `local_list_member`, `local_list_change`,
 * `station_local_list`, migration 008). Each change locks the one meta row, so versions are handed out one at
 * a time across processes. Members match in any case, as id tags do (`lower(id_tag)` is unique, migration 019);
 * a change names the member as it was put on the list.
 */
import type { Sql } from "postgres";
import type { LocalListChange, LocalListStore, StationListRecord, StationListStatus } from "../fleet.ts";
import { BATCHED_READ_TIMEOUT_MS, BatchedRead } from "./batched_reads.ts";
import { iso } from "./pg_helpers.ts";
import { idTagIs } from "./sql.ts";

interface StationRow {
  charge_point_id: string;
  version: number | null;
  status: StationListStatus;
  detail: string | null;
  last_sync_at: Date | null;
  updated_at: Date;
}

function toStation(r: StationRow): StationListRecord {
  return {
    chargePointId: r.charge_point_id,
    version: r.version,
    status: r.status,
    detail: r.detail,
    lastSyncAt: iso(r.last_sync_at),
    updatedAt: iso(r.updated_at),
  };
}

export class PostgresLocalListStore implements LocalListStore {
  /** Every accepted boot asks for the list's version: the asks of a boot storm share one statement. */
  readonly #version: BatchedRead<null, number>;

  constructor(private readonly sql: Sql) {
    this.#version = new BatchedRead({
      what: "read the local list version",
      many: async (asks) => {
        const version = await this.#readVersion();
        return asks.map(() => version);
      },
    }, BATCHED_READ_TIMEOUT_MS);
  }

  async setMember(idTag: string, member: boolean, at: string): Promise<number> {
    return await this.sql.begin(async (tx) => {
      const [meta] = await tx<{ version: number }[]>`select version from local_list_meta for update`;
      const version = meta!.version;
      const rows = member
        ? await tx<{ id_tag: string }[]>`
          insert into local_list_member (id_tag) values (${idTag})
          on conflict ((lower(id_tag))) do nothing returning id_tag`
        : await tx<{ id_tag: string }[]>`
          delete from local_list_member where ${idTagIs(tx, idTag)} returning id_tag`;
      if (rows.length === 0) return version;
      const next = version + 1;
      await tx`insert into local_list_change (version, id_tag, op, at)
        values (${next}, ${rows[0]!.id_tag}, ${member ? "upsert" : "remove"}, ${at})`;
      await tx`update local_list_meta set version = ${next}`;
      return next;
    });
  }

  async touchMember(idTag: string, at: string): Promise<number | null> {
    return await this.sql.begin(async (tx) => {
      const [meta] = await tx<{ version: number }[]>`select version from local_list_meta for update`;
      const rows = await tx<{ id_tag: string }[]>`
        select id_tag from local_list_member where ${idTagIs(tx, idTag)}`;
      if (rows.length === 0) return null;
      const next = meta!.version + 1;
      await tx`insert into local_list_change (version, id_tag, op, at)
        values (${next}, ${rows[0]!.id_tag}, 'upsert', ${at})`;
      await tx`update local_list_meta set version = ${next}`;
      return next;
    });
  }

  async isMember(idTag: string): Promise<boolean> {
    return (await this.sql`select 1 from local_list_member where ${idTagIs(this.sql, idTag)}`).length > 0;
  }

  async listMembers(): Promise<string[]> {
    return (await this.sql<{ id_tag: string }[]>`select id_tag from local_list_member order by id_tag`)
      .map((r) => r.id_tag);
  }

  currentVersion(): Promise<number> {
    return this.#version.get(null);
  }

  async #readVersion(): Promise<number> {
    const [meta] = await this.sql<{ version: number }[]>`select version from local_list_meta`;
    return meta!.version;
  }

  async changesSince(version: number): Promise<LocalListChange[] | null> {
    return await this.sql.begin("isolation level repeatable read", async (tx) => {
      const [meta] = await tx<{ pruned: number }[]>`select pruned from local_list_meta`;
      if (version < meta!.pruned) return null;
      const rows = await tx<{ version: number; id_tag: string; op: "upsert" | "remove"; at: Date }[]>`
        select * from local_list_change where version > ${version} order by version`;
      return rows.map((r) => ({ version: r.version, idTag: r.id_tag, op: r.op, at: iso(r.at) }));
    });
  }

  async pruneChanges(beforeVersion: number): Promise<number> {
    return await this.sql.begin(async (tx) => {
      const rows = await tx<{ version: number }[]>`
        delete from local_list_change where version < ${beforeVersion} returning version`;
      if (rows.length > 0) {
        const highest = Math.max(...rows.map((r) => r.version));
        await tx`update local_list_meta set pruned = greatest(pruned, ${highest})`;
      }
      return rows.length;
    });
  }

  async getStationList(chargePointId: string): Promise<StationListRecord | null> {
    const rows = await this.sql<StationRow[]>`
      select * from station_local_list where charge_point_id = ${chargePointId}`;
    return rows[0] ? toStation(rows[0]) : null;
  }

  async putStationList(r: StationListRecord): Promise<void> {
    await this.sql`
      insert into station_local_list (charge_point_id, version, status, detail, last_sync_at, updated_at)
      values (${r.chargePointId}, ${r.version}, ${r.status}, ${r.detail}, ${r.lastSyncAt}, ${r.updatedAt})
      on conflict (charge_point_id) do update set version = excluded.version, status = excluded.status,
        detail = excluded.detail, last_sync_at = excluded.last_sync_at, updated_at = excluded.updated_at`;
  }

  async listStationLists(): Promise<StationListRecord[]> {
    return (await this.sql<StationRow[]>`select * from station_local_list order by charge_point_id`).map(
      toStation,
    );
  }
}
