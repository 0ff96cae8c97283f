/**
 * Retention on PostgreSQL: deletes the oldest meter values (by their sample time; rows, then groups), status
 * history (by the time we received it) and command log entries (by the time they were requested) in batches,
 * through the indexes migrations 011, 015 and 022 add.
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
    const rows = await this.sql`
      delete from meter_values where seq in (
        select seq from meter_values where timestamp < ${before} order by timestamp limit ${max})
      returning seq`;
    const budget = max - rows.length;
    if (budget <= 0) return rows.length;
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
          select ctid from oldest where total <= ${budget} or (total = n and ${rows.length} = 0))
        returning jsonb_array_length(sampled) as n
      )
      select coalesce(sum(n), 0)::int as n from deleted`;
    return rows.length + (groups?.n ?? 0);
  }

  async pruneCommandLog(before: string, max: number): Promise<number> {
    const rows = await this.sql`
      delete from command_log where seq in (
        select seq from command_log where requested_at < ${before} order by requested_at limit ${max})
      returning seq`;
    return rows.length;
  }

  async pruneStatusHistory(before: string, max: number): Promise<number> {
    const rows = await this.sql`
      delete from status_history where seq in (
        select seq from status_history where received_at < ${before} order by received_at limit ${max})
      returning seq`;
    return rows.length;
  }
}
