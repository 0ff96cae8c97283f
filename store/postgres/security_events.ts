/** The security event log on PostgreSQL (migration 007), on the StationSecurityStore's pool. */
import type { Sql } from "postgres";
import {
  DEFAULT_RETENTION,
  type SecurityEvent,
  type SecurityEventKind,
  type SecurityEventQuery,
  type SecurityEventRetention,
  type SecurityEventStore,
} from "../security_events.ts";

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

export class PgSecurityEvents implements SecurityEventStore {
  readonly #retention: Required<SecurityEventRetention>;
  /** Appends since the last prune; starts full so the first append after opening prunes. */
  #sincePrune: number;

  constructor(private readonly sql: Sql, retention: SecurityEventRetention = {}) {
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
    this.#sincePrune = this.#retention.pruneEvery;
  }

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
      query.since !== undefined ? sql`id >= ${query.since}` : null,
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
}
