/**
 * The StationSecurityStore on PostgreSQL (table from migration 004, the security event log from 007), on its
 * own small pool; opening applies pending migrations under the same advisory lock as the Store's start-up.
 *
 * @example
 * ```ts ignore
 * const store = await openPostgresStationSecurityStore("postgres://postgres@127.0.0.1:5432/csms");
 * await store.get("CP-1");
 * await store.close();
 * ```
 */
import type { Sql } from "postgres";
import { openMigratedPool } from "./migrate.ts";
import {
  DEFAULT_RETENTION,
  type SecurityEvent,
  type SecurityEventKind,
  type SecurityEventQuery,
  type SecurityEventRetention,
} from "../security_events.ts";
import type { SecurityProfile, StationSecurityRecord, StationSecurityStore } from "../station_security.ts";

export async function openPostgresStationSecurityStore(
  url: string,
  options: { maxConnections?: number; migrate?: boolean; retention?: SecurityEventRetention } = {},
): Promise<PostgresStationSecurityStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 3,
    applicationName: "ocpp-csms-station-security",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return new PostgresStationSecurityStore(sql, options.retention);
}

interface Row {
  charge_point_id: string;
  security_profile: number | null;
  authorization_key_hash: string | null;
  allowed_ips: string[];
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

function toRecord(r: Row): StationSecurityRecord {
  return {
    chargePointId: r.charge_point_id,
    securityProfile: r.security_profile === null ? null : (r.security_profile as SecurityProfile),
    authorizationKeyHash: r.authorization_key_hash,
    allowedIps: r.allowed_ips,
    updatedBy: r.updated_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

interface EventRow {
  id: string;
  at: Date;
  kind: string;
  charge_point_id: string | null;
  principal: string | null;
  remote_address: string | null;
  reason: string;
  status: number | null;
}

function toEvent(r: EventRow): SecurityEvent {
  return {
    id: r.id,
    at: r.at.toISOString(),
    kind: r.kind as SecurityEventKind,
    chargePointId: r.charge_point_id,
    principal: r.principal,
    remoteAddress: r.remote_address,
    reason: r.reason,
    status: r.status,
  };
}

export class PostgresStationSecurityStore implements StationSecurityStore {
  readonly #retention: Required<SecurityEventRetention>;
  /** Appends since the last prune; starts full so the first append after opening prunes. */
  #sincePrune: number;

  constructor(private readonly sql: Sql, retention: SecurityEventRetention = {}) {
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
    this.#sincePrune = this.#retention.pruneEvery;
  }

  async get(chargePointId: string): Promise<StationSecurityRecord | null> {
    const rows = await this.sql<Row[]>`
      select * from station_security where charge_point_id = ${chargePointId}`;
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async put(r: StationSecurityRecord): Promise<void> {
    await this.sql`
      insert into station_security
        (charge_point_id, security_profile, authorization_key_hash, allowed_ips, updated_by, created_at, updated_at)
      values (${r.chargePointId}, ${r.securityProfile}, ${r.authorizationKeyHash}, ${
      this.sql.array(r.allowedIps)
    },
        ${r.updatedBy}, ${r.createdAt}, ${r.updatedAt})
      on conflict (charge_point_id) do update set
        security_profile = excluded.security_profile,
        authorization_key_hash = excluded.authorization_key_hash,
        allowed_ips = excluded.allowed_ips,
        updated_by = excluded.updated_by,
        created_at = excluded.created_at,
        updated_at = excluded.updated_at`;
  }

  async delete(chargePointId: string): Promise<boolean> {
    const rows = await this.sql`
      delete from station_security where charge_point_id = ${chargePointId} returning charge_point_id`;
    return rows.length > 0;
  }

  async list(options: { limit?: number; after?: string } = {}): Promise<StationSecurityRecord[]> {
    const limit = options.limit ?? 1000;
    const rows = options.after === undefined
      ? await this.sql<Row[]>`select * from station_security order by charge_point_id limit ${limit}`
      : await this.sql<Row[]>`
          select * from station_security where charge_point_id > ${options.after}
          order by charge_point_id limit ${limit}`;
    return rows.map(toRecord);
  }

  // ---------------------------------------------------------------- security events

  async appendSecurityEvents(events: readonly SecurityEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => ({
      id: e.id,
      at: e.at,
      kind: e.kind,
      charge_point_id: e.chargePointId,
      principal: e.principal,
      remote_address: e.remoteAddress,
      reason: e.reason,
      status: e.status,
    }));
    await this.sql`
      insert into security_event ${
      this.sql(rows, "id", "at", "kind", "charge_point_id", "principal", "remote_address", "reason", "status")
    }
      on conflict (id) do nothing`;
    this.#sincePrune += events.length;
    if (this.#sincePrune >= this.#retention.pruneEvery) {
      this.#sincePrune = 0;
      const newest = events.reduce((max, e) => (e.at > max ? e.at : max), events[0]!.at);
      await this.#prune(newest);
    }
  }

  async listSecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]> {
    const sql = this.sql;
    const where = [
      query.before !== undefined ? sql`id < ${query.before}` : null,
      query.kind !== undefined ? sql`kind = ${query.kind}` : null,
      query.chargePointId !== undefined ? sql`charge_point_id = ${query.chargePointId}` : null,
    ].filter((part) => part !== null);
    const condition = where.reduce(
      (all, part, i) => (i === 0 ? sql`where ${part}` : sql`${all} and ${part}`),
      sql``,
    );
    const rows = await sql<EventRow[]>`
      select * from security_event ${condition} order by id desc limit ${query.limit}`;
    return rows.map(toEvent);
  }

  /** Deletes the events older than `maxAgeMs` before `newestAt`, then all but the newest `maxEvents`. */
  async #prune(newestAt: string): Promise<void> {
    const cutoff = new Date(Date.parse(newestAt) - this.#retention.maxAgeMs).toISOString();
    await this.sql`delete from security_event where at < ${cutoff}`;
    await this.sql`
      delete from security_event where id <= (
        select id from security_event order by id desc offset ${this.#retention.maxEvents} limit 1)`;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
