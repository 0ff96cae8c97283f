/**
 * The PostgreSQL UnknownIdTagStore where the contract cannot look: two processes (two pools) writing their
 * batches at the same moment, and what the trim costs.
 */
import { assert, assertEquals } from "@std/assert";
import type { Sql } from "postgres";
import { openPostgresPool } from "../../postgres_pool.ts";
import type { UnknownIdTag } from "../../model/unknown_id_tag.ts";
import { freshDatabase, ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { eventually } from "../../tests/helpers/server.ts";
import { openPostgresFleetStore } from "./fleet.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";
import { PostgresUnknownIdTagStore } from "./unknown_id_tags.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL unknown id tag tests");

const tally = (idTag: string, at: string): UnknownIdTag => ({
  idTag,
  idTokenType: null,
  count: 1,
  firstSeen: at,
  lastSeen: at,
  chargePointId: "CP-1",
});

Deno.test({
  name: "PostgreSQL: two processes writing the same unknown tags at once, in opposite orders, both succeed",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("csms_unknown_tags_test");
    const a = await openPostgresFleetStore(db.url);
    const b = await openPostgresFleetStore(db.url, { migrate: false });
    try {
      const tags = Array.from({ length: 200 }, (_, i) => `TAG-${i}`);
      const rounds = 5;
      for (let round = 0; round < rounds; round++) {
        const at = new Date(Date.UTC(2026, 11, 6, 0, 0, round)).toISOString();
        // Each process tallies in the order its stations presented them.
        const results = await Promise.allSettled([
          a.unknownIdTags.recordUnknownIdTags(tags.map((t) => tally(t, at)), 150),
          b.unknownIdTags.recordUnknownIdTags([...tags].reverse().map((t) => tally(t, at)), 150),
        ]);
        assertEquals(results.map((r) => r.status === "rejected" ? String(r.reason) : "ok"), ["ok", "ok"]);
      }
      const listed = await a.unknownIdTags.listUnknownIdTags(500);
      assertEquals(listed.length, 150);
      // Both batches of every round were counted: none was lost to a deadlock.
      assertEquals(listed.every((t) => t.count >= 2), true);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  },
});

/** Index entries scans of `unknown_id_tag_by_last_seen` have read so far (the trim's walk), as `sql`'s own count. */
async function lastSeenIndexReads(sql: Sql): Promise<number> {
  // This backend's pending counts are flushed when it goes idle after this statement; the next reads them.
  await sql`select pg_stat_force_next_flush()`;
  const [row] = await sql<{ reads: string }[]>`
    select idx_tup_read::text as reads from pg_stat_user_indexes where indexrelname = 'unknown_id_tag_by_last_seen'`;
  return Number(row!.reads);
}

Deno.test({
  name: "PostgreSQL: a flush of tags already listed walks none of the kept rows to trim, with a full list",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("csms_unknown_tags_test");
    const migrated = await openPostgresFleetStore(db.url);
    // One connection: the writes and the statistics read are one backend's.
    const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      const store = new PostgresUnknownIdTagStore(sql);
      const keep = 2_000;
      const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 0, 0, 0, s)).toISOString();
      const tags = Array.from({ length: keep }, (_, i) => `TAG-${i}`);
      await store.recordUnknownIdTags(tags.map((t, i) => tally(t, at(i))), keep);
      // Planned as on a table autovacuum has analyzed.
      await sql`analyze unknown_id_tag`;
      const before = await lastSeenIndexReads(sql);
      await store.recordUnknownIdTags(tags.slice(0, 10).map((t, i) => tally(t, at(keep + i))), keep);
      const walked = await lastSeenIndexReads(sql) - before;
      assert(walked < 10, `the trim walked ${walked} index entries of ${keep} kept rows`);
      assertEquals((await store.listUnknownIdTags(keep + 10)).length, keep);
    } finally {
      await sql.end();
      await migrated.close();
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "PostgreSQL: the unknown tags listed are exactly the keep most recent through new tags, forgets and a lower keep",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("csms_unknown_tags_test");
    const store = await openPostgresFleetStore(db.url);
    try {
      const tags = store.unknownIdTags;
      const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 0, 0, s)).toISOString();
      const ids = async () => (await tags.listUnknownIdTags(100)).map((t) => t.idTag);
      await tags.recordUnknownIdTags(["A", "B", "C"].map((t, i) => tally(t, at(i))), 4);
      await tags.recordUnknownIdTags(["D", "E", "F"].map((t, i) => tally(t, at(3 + i))), 4);
      assertEquals(await ids(), ["F", "E", "D", "C"]);
      // A known tag seen again moves up; nothing new, nothing trimmed.
      await tags.recordUnknownIdTags([tally("C", at(10))], 4);
      assertEquals(await ids(), ["C", "F", "E", "D"]);
      // A forgotten tag frees its place: the next new one takes it, no other goes.
      assertEquals(await tags.forgetUnknownIdTag("e"), true);
      await tags.recordUnknownIdTags([tally("G", at(11))], 4);
      assertEquals(await ids(), ["G", "C", "F", "D"]);
      // A lower keep (the setting changed) trims at the next flush, even of a tag already listed.
      await tags.recordUnknownIdTags([tally("D", at(12))], 2);
      assertEquals(await ids(), ["D", "G"]);
      await tags.recordUnknownIdTags(["H", "I", "J"].map((t, i) => tally(t, at(13 + i))), 3);
      assertEquals(await ids(), ["J", "I", "H"]);
    } finally {
      await store.close();
      await db.drop();
    }
  },
});

Deno.test({
  name: "PostgreSQL: the row count migration 037 starts from waits for a flush of an older node in flight",
  ignore,
  fn: async () => {
    const db = await freshDatabase("csms_unknown_tags_test");
    const sql = openPostgresPool(db.url, { max: 4, onnotice: () => {} });
    const older = await sql.reserve();
    try {
      const count = MIGRATIONS.find((m) => m.name === "firmware_retry_and_unknown_tag_count")!;
      await migrate(sql, MIGRATIONS.filter((m) => m.version < count.version));
      // A node of the version before, in the middle of a flush: the writers' lock held, a new tag written.
      await older`begin`;
      await older`select pg_advisory_xact_lock(hashtextextended('csms unknown_id_tag writers', 0))`;
      await older`
        insert into unknown_id_tag (tag_key, id_tag, id_token_type, count, first_seen, last_seen, charge_point_id)
        values ('old-node', 'OLD-NODE', null, 1, now(), now(), 'CP-1')`;
      let migrated = false;
      const migrating = migrate(sql, MIGRATIONS.filter((m) => m.version <= count.version)).finally(() => {
        migrated = true;
      });
      // Done, or waiting for the writers' lock.
      await eventually(
        async () =>
          migrated || (await sql`
            select 1 from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'
          `).length > 0,
        5000,
        "the migration done or waiting",
      );
      await older`commit`;
      await migrating;
      const [row] = await sql<{ counted: string; rows: string }[]>`
        select (select n from unknown_id_tag_count)::text as counted, (select count(*) from unknown_id_tag)::text as rows`;
      assertEquals(row, { counted: "1", rows: "1" });
    } finally {
      older.release();
      await sql.end();
      await db.drop();
    }
  },
});
