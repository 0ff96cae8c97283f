/**
 * The security event log on PostgreSQL (migration 007), on the StationSecurityStore's pool. An event of a
 * station's CALL carries its message id (migration 043), and the unique index `security_event_message`
 * (station, message id, kind, md5 of the reason) makes the INSERT skip one the table holds already: the same
 * CALL sent again, to any node, is stored once.
 */
import type { Sql } from "postgres";
import {
  DEFAULT_RETENTION,
  type SecurityEvent,
  type SecurityEventAppend,
  type SecurityEventKind,
  type SecurityEventOfMessage,
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
  message_id: string | null;
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
    ...(r.message_id !== null ? { messageId: r.message_id } : {}),
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

  async appendSecurityEvents(events: readonly SecurityEvent[]): Promise<SecurityEventAppend> {
    if (events.length === 0) return { refused: [] };
    const rows = events.map((e) => ({
      id: e.id,
      at: e.at,
      kind: e.kind,
      charge_point_id: e.chargePointId,
      principal: e.principal,
      remote_address: e.remoteAddress,
      reason: e.reason,
      status: e.status,
      message_id: e.messageId ?? null,
    }));
    // No conflict target: an id stored already (a retried batch) and an event of a CALL stored already (the
    // message index, within this statement too) are both skipped, in the one statement.
    const inserted = await this.sql<{ id: string }[]>`
      insert into security_event ${
      this.sql(
        rows,
        "id",
        "at",
        "kind",
        "charge_point_id",
        "principal",
        "remote_address",
        "reason",
        "status",
        "message_id",
      )
    }
      on conflict do nothing
      returning id`;
    const refused = await this.#refused(events, new Set(inserted.map((r) => r.id)));
    this.#sincePrune += events.length;
    if (this.#sincePrune >= this.#retention.pruneEvery) {
      this.#sincePrune = 0;
      const newest = events.reduce((max, e) => (e.at > max ? e.at : max), events[0]!.at);
      await this.#prune(newest);
    }
    return { refused };
  }

  async hasSecurityEventOf(message: SecurityEventOfMessage): Promise<boolean> {
    // The terms of the unique index, so that the read is one probe of it.
    const rows = await this.sql`
      select 1 from security_event
      where charge_point_id = ${message.chargePointId} and message_id = ${message.messageId}
        and kind = ${message.kind} and md5(reason) = md5(${message.reason}::text)
      limit 1`;
    return rows.length > 0;
  }

  /**
   * The events with a message id the INSERT skipped that are not in the table by their own id: refused by the
   * message index. (Skipped by id: a retried batch whose first write was stored.) Rarely any: one more read.
   */
  async #refused(events: readonly SecurityEvent[], inserted: ReadonlySet<string>): Promise<string[]> {
    const skipped = events.filter((e) => e.messageId !== undefined && !inserted.has(e.id)).map((e) => e.id);
    if (skipped.length === 0) return [];
    const stored = await this.sql<
      { id: string }[]
    >`select id from security_event where id = any(${skipped}::text[])`;
    const ours = new Set(stored.map((r) => r.id));
    return skipped.filter((id) => !ours.has(id));
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
