/**
 * The StationSecurityStore on PostgreSQL (table from migration 004, pending columns 028 and 042; the security event log, migration 007, in
 * `security_events.ts`), on its own small pool; opening applies pending migrations under the same advisory
 * lock as the Store's start-up.
 *
 * @example
 * ```ts ignore
 * const store = await openPostgresStationSecurityStore("postgres://postgres@127.0.0.1:5432/csms");
 * await store.get("CP-1");
 * await store.close();
 * ```
 */
import type { Sql, TransactionSql } from "postgres";
import { BATCHED_READ_TIMEOUT_MS, BatchedRead, oneByKey } from "./batched_reads.ts";
import { boundedCalls } from "./bounded_calls.ts";
import { openMigratedPool } from "./migrate.ts";
import { changeLocked } from "./pg_helpers.ts";
import type { Changed } from "../mod.ts";
import { PgSecurityEvents } from "./security_events.ts";
import type {
  SecurityEvent,
  SecurityEventAppend,
  SecurityEventOfMessage,
  SecurityEventQuery,
  SecurityEventRetention,
} from "../security_events.ts";
import type {
  PendingAuthorizationKey,
  PendingSecurityProfile,
  SecurityProfile,
  StationSecurityRecord,
  StationSecurityStore,
} from "../station_security.ts";

export async function openPostgresStationSecurityStore(
  url: string,
  options: {
    maxConnections?: number;
    migrate?: boolean;
    retention?: SecurityEventRetention;
    /**
     * Bound on each call (default 10 s): a connection that stops answering fails it. A station's
     * SecurityEventNotification waits for the event calls in its turn (the log keeps the events queued and
     * retries); the settings' calls serve operators and the gate.
     */
    callTimeoutMs?: number;
  } = {},
): Promise<PostgresStationSecurityStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 3,
    applicationName: "ocpp-csms-station-security",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return boundedCalls(
    new PostgresStationSecurityStore(sql, options.retention),
    "stationSecurity",
    options.callTimeoutMs,
  );
}

interface Row {
  charge_point_id: string;
  security_profile: number | null;
  authorization_key_hash: string | null;
  pending_authorization_keys: PendingAuthorizationKey[] | null;
  pending_security_profile: PendingSecurityProfile | null;
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
    ...(r.pending_authorization_keys !== null
      ? { pendingAuthorizationKeys: r.pending_authorization_keys }
      : {}),
    ...(r.pending_security_profile !== null ? { pendingSecurityProfile: r.pending_security_profile } : {}),
    allowedIps: r.allowed_ips,
    updatedBy: r.updated_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export class PostgresStationSecurityStore implements StationSecurityStore {
  readonly #events: PgSecurityEvents;
  /** Every connection's gate reads its station's settings: a boot storm's reads share statements. */
  readonly #settings: BatchedRead<string, StationSecurityRecord | null>;

  constructor(
    private readonly sql: Sql,
    retention: SecurityEventRetention = {},
  ) {
    this.#events = new PgSecurityEvents(sql, retention);
    this.#settings = new BatchedRead({
      what: "get the security settings of stations",
      many: (ids) => this.#getMany(ids),
    }, BATCHED_READ_TIMEOUT_MS);
  }

  get(chargePointId: string): Promise<StationSecurityRecord | null> {
    return this.#settings.get(chargePointId);
  }

  async #getMany(ids: readonly string[]): Promise<(StationSecurityRecord | null)[]> {
    const rows = await this.sql<Row[]>`
      select * from station_security where charge_point_id = any(${ids}::text[])`;
    return oneByKey(rows, ids, (r) => r.charge_point_id, toRecord);
  }

  async put(r: StationSecurityRecord): Promise<void> {
    await upsert(this.sql, r);
  }

  change(
    chargePointId: string,
    change: (stored: StationSecurityRecord | null) => StationSecurityRecord | null | undefined,
  ): Promise<Changed<StationSecurityRecord>> {
    return changeLocked(this.sql, "station_security:" + chargePointId, {
      read: async (tx) => {
        const rows = await tx<Row[]>`select * from station_security where charge_point_id = ${chargePointId}`;
        return rows[0] ? toRecord(rows[0]) : null;
      },
      write: (tx, record) => upsert(tx, record),
      remove: async (tx) =>
        void await tx`delete from station_security where charge_point_id = ${chargePointId}`,
    }, change);
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

  appendSecurityEvents(events: readonly SecurityEvent[]): Promise<SecurityEventAppend> {
    return this.#events.appendSecurityEvents(events);
  }

  hasSecurityEventOf(message: SecurityEventOfMessage): Promise<boolean> {
    return this.#events.hasSecurityEventOf(message);
  }

  listSecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]> {
    return this.#events.listSecurityEvents(query);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

async function upsert(sql: Sql | TransactionSql, r: StationSecurityRecord): Promise<void> {
  await sql`
    insert into station_security
      (charge_point_id, security_profile, authorization_key_hash, pending_authorization_keys, pending_security_profile,
        allowed_ips, updated_by, created_at, updated_at)
    values (${r.chargePointId}, ${r.securityProfile}, ${r.authorizationKeyHash},
      ${r.pendingAuthorizationKeys ? sql.json(r.pendingAuthorizationKeys as never) : null},
      ${r.pendingSecurityProfile ? sql.json(r.pendingSecurityProfile as never) : null}, ${
    sql.array(r.allowedIps)
  }, ${r.updatedBy}, ${r.createdAt},
      ${r.updatedAt})
    on conflict (charge_point_id) do update set
      security_profile = excluded.security_profile,
      authorization_key_hash = excluded.authorization_key_hash,
      pending_authorization_keys = excluded.pending_authorization_keys,
      pending_security_profile = excluded.pending_security_profile,
      allowed_ips = excluded.allowed_ips,
      updated_by = excluded.updated_by,
      created_at = excluded.created_at,
      updated_at = excluded.updated_at`;
}
