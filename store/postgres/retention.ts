/**
 * Retention on PostgreSQL: deletes the oldest meter values (by their sample time; rows, then groups), status
 * history and file status history (by the time we received it) and command log entries (by the time they were
 * requested) in batches, through the indexes migrations 011, 015 and 022 add (file status history by its
 * primary key).
 */
import type { Sql } from "postgres";
import type { RetentionStore } from "../fleet.ts";

export class PostgresRetentionStore implements RetentionStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Counts meter values, at most `max`: rows of `meter_values` first, then whole groups (migration 015) while
   * they fit; a group larger than what is left is deleted alone when nothing else was, so every call makes
   * progress.
   */
  async pruneMeterValues(before: string, max: number): Promise<number> {
    const rows = await this.#deleteOldest("meter_values", "timestamp", before, max);
    const budget = max - rows;
    if (budget <= 0) return rows;
    const [groups] = await this.sql<{ n: number }[]>`
      with oldest as (
        select ctid, n, sum(n) over (order by timestamp, seq) as total
        from (
          select ctid, timestamp, seq, jsonb_array_length(sampled) as n from meter_groups
          where timestamp < ${before} order by timestamp, seq limit ${budget}
        ) o
      ),
      deleted as (
        delete from meter_groups where ctid in (
          select ctid from oldest where total <= ${budget} or (total = n and ${rows} = 0))
        returning jsonb_array_length(sampled) as n
      )
      select coalesce(sum(n), 0)::int as n from deleted`;
    return rows + (groups?.n ?? 0);
  }

  async pruneCommandLog(before: string, max: number): Promise<number> {
    return await this.#deleteOldest("command_log", "requested_at", before, max);
  }

  /** Connector statuses, then file transfer statuses (file_status_history): both are status history. */
  async pruneStatusHistory(before: string, max: number): Promise<number> {
    const statuses = await this.#deleteOldest("status_history", "received_at", before, max);
    if (statuses >= max) return statuses;
    // No index by time (migration 010): by `seq`, its primary key, which grows with time, so the old rows
    // come first and the scan stops at the batch.
    const sql = this.sql;
    const files = await sql`
      delete from file_status_history where seq in (
        select seq from file_status_history where received_at < ${before} order by seq limit ${
      max - statuses
    })
      returning seq`;
    return statuses + files.length;
  }

  /** Deletes up to `max` of `table`'s rows whose `time` is before `before`, oldest first (by `seq`). */
  async #deleteOldest(
    table: "meter_values" | "status_history" | "command_log",
    time: "timestamp" | "received_at" | "requested_at",
    before: string,
    max: number,
  ): Promise<number> {
    const sql = this.sql;
    const rows = await sql`
      delete from ${sql(table)} where seq in (
        select seq from ${sql(table)} where ${sql(time)} < ${before} order by ${sql(time)} limit ${max})
      returning seq`;
    return rows.length;
  }
}
