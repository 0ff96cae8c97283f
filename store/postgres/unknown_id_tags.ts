/**
 * The UnknownIdTagStore on PostgreSQL (`unknown_id_tag`, migration 035). The writers keep the number of rows
 * in `unknown_id_tag_count` (037), so a flush trims only when the rows exceed the keep, and then walks only
 * the oldest, past it: a flush of tags already listed, every 2 s, costs nothing to trim with 100,000 kept.
 */
import type { Sql } from "postgres";
import { idTagKey } from "../../model/id_tag.ts";
import { byTag, type UnknownIdTag } from "../../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../fleet.ts";
import { iso } from "./pg_helpers.ts";

/**
 * The advisory lock the writers of `unknown_id_tag` take in turn; hashed by Postgres into a bigint. Migration
 * 037 takes it by this name to count the rows: never rename it.
 */
const WRITERS_LOCK = "csms unknown_id_tag writers";

interface Row {
  id_tag: string;
  id_token_type: string | null;
  count: string;
  first_seen: Date;
  last_seen: Date;
  charge_point_id: string;
}

export class PostgresUnknownIdTagStore implements UnknownIdTagStore {
  constructor(private readonly sql: Sql) {}

  async recordUnknownIdTags(tallies: readonly UnknownIdTag[], keep: number): Promise<void> {
    // One row per tag: an insert cannot update the same row twice.
    const seen = byTag(tallies);
    if (seen.length === 0) return;
    const sql = this.sql;
    // One statement per batch (unnest over one array per column), merged as mergeUnknownIdTag merges: the
    // later sighting's spelling, type and station, counts summed, the earlier first sighting.
    await sql.begin(async (tx) => {
      // One writer at a time: every process's batch upserts rows in its own order, then deletes the oldest,
      // and two such transactions at once lock rows in opposite orders (a deadlock, a batch lost). A flush
      // every few seconds per process waits for another's at most. The count is the writers' too.
      await tx`select pg_advisory_xact_lock(hashtextextended(${WRITERS_LOCK}, 0))`;
      // xmax is 0 on a row this statement inserted, this transaction's id on one it updated.
      const [upsert] = await tx<{ inserted: number }[]>`
        with upserted as (
        insert into unknown_id_tag
          (tag_key, id_tag, id_token_type, count, first_seen, last_seen, charge_point_id)
        select * from unnest(
          ${seen.map((t) => idTagKey(t.idTag))}::text[], ${seen.map((t) => t.idTag)}::text[],
          ${seen.map((t) => t.idTokenType)}::text[], ${seen.map((t) => t.count)}::bigint[],
          ${seen.map((t) => t.firstSeen)}::timestamptz[], ${seen.map((t) => t.lastSeen)}::timestamptz[],
          ${seen.map((t) => t.chargePointId)}::text[])
        on conflict (tag_key) do update set
          count = unknown_id_tag.count + excluded.count,
          first_seen = least(unknown_id_tag.first_seen, excluded.first_seen),
          last_seen = greatest(unknown_id_tag.last_seen, excluded.last_seen),
          id_tag = case when excluded.last_seen >= unknown_id_tag.last_seen
            then excluded.id_tag else unknown_id_tag.id_tag end,
          id_token_type = case when excluded.last_seen >= unknown_id_tag.last_seen
            then excluded.id_token_type else unknown_id_tag.id_token_type end,
          charge_point_id = case when excluded.last_seen >= unknown_id_tag.last_seen
            then excluded.charge_point_id else unknown_id_tag.charge_point_id end
        returning xmax = 0 as inserted)
        select count(*) filter (where inserted)::int as inserted from upserted`;
      const inserted = upsert?.inserted ?? 0;
      const [counted] = inserted > 0
        ? await tx<{ n: string }[]>`update unknown_id_tag_count set n = n + ${inserted} returning n`
        : await tx<{ n: string }[]>`select n from unknown_id_tag_count`;
      const excess = Number(counted!.n) - keep;
      if (excess <= 0) return;
      // The oldest past the keep (the index read backwards); picked once, in a materialized CTE.
      const trimmed = await tx`
        with oldest as materialized (
          select tag_key from unknown_id_tag order by last_seen, tag_key desc limit ${excess})
        delete from unknown_id_tag t using oldest where t.tag_key = oldest.tag_key`;
      await tx`update unknown_id_tag_count set n = n - ${trimmed.count}`;
    });
  }

  async listUnknownIdTags(limit: number): Promise<UnknownIdTag[]> {
    const rows = await this.sql<Row[]>`
      select id_tag, id_token_type, count, first_seen, last_seen, charge_point_id
      from unknown_id_tag order by last_seen desc, tag_key limit ${limit}`;
    return rows.map(fromRow);
  }

  async listUnknownIdTagsAfter(after: string | null, limit: number): Promise<UnknownIdTag[]> {
    const rows = await this.sql<Row[]>`
      select id_tag, id_token_type, count, first_seen, last_seen, charge_point_id
      from unknown_id_tag where ${after === null ? this.sql`true` : this.sql`tag_key > ${after}`}
      order by tag_key limit ${limit}`;
    return rows.map(fromRow);
  }

  async forgetUnknownIdTag(idTag: string): Promise<boolean> {
    return await this.sql.begin(async (tx) => {
      // A writer as the flushes are: the count changes with the row, and never in a flush's way.
      await tx`select pg_advisory_xact_lock(hashtextextended(${WRITERS_LOCK}, 0))`;
      const rows = await tx`delete from unknown_id_tag where tag_key = ${idTagKey(idTag)} returning 1`;
      if (rows.length === 0) return false;
      await tx`update unknown_id_tag_count set n = n - 1`;
      return true;
    });
  }
}

function fromRow(r: Row): UnknownIdTag {
  return {
    idTag: r.id_tag,
    idTokenType: r.id_token_type,
    count: Number(r.count),
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    chargePointId: r.charge_point_id,
  };
}
