/**
 * Retention on PostgreSQL: deletes the oldest meter values (by their sample time) and status history (by the
 * time we received it) in batches, through the indexes migration 008 adds.
 */
import type { Sql } from "postgres";
import type { RetentionStore } from "../fleet.ts";

export class PostgresRetentionStore implements RetentionStore {
  constructor(private readonly sql: Sql) {}

  async pruneMeterValues(before: string, max: number): Promise<number> {
    const rows = await this.sql`
      delete from meter_values where seq in (
        select seq from meter_values where timestamp < ${before} order by timestamp limit ${max})
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
