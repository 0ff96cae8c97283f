/**
 * The cluster's authentication back-off in PostgreSQL (`PgAuthBackoff`, migration 012) timed by the database's
 * clock: two nodes whose clocks differ (NTP skew) let a blocked source in again at the same moment.
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../tests/helpers/postgres.ts";
import { PgAuthBackoff } from "./postgres_views.ts";

const ignore = await ignoreWithoutPostgres("cluster auth back-off tests");

/** Between `low` and `high` (the database's clock runs on between a write and a read). */
function assertAbout(actual: number, low: number, high: number, msg: string) {
  assert(actual >= low && actual <= high, `${msg}: ${actual} not in [${low}, ${high}]`);
}

Deno.test({
  name: "auth back-off: nodes whose clocks differ by 30 s agree on when a blocked source is let in again",
  ignore,
  async fn() {
    const db = await migratedDatabase("skew3_auth_backoff");
    const sqlA = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    const sqlB = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      await (await openPostgresStore(db.url)).close();
      const settings = { freeFailures: 0, baseMs: 5000, maxMs: 60_000 };
      const onTime = new PgAuthBackoff(sqlA, settings);
      const ahead = new PgAuthBackoff(sqlB, settings);
      // The clocks each node passes in: one right, one 30 s ahead (as seen from it, the other is behind).
      const clockOnTime = () => Date.now();
      const clockAhead = () => Date.now() + 30_000;
      // As if `ms` had passed since the rows were written.
      const later = (ms: number) =>
        sqlA`update auth_backoff set blocked_until = blocked_until - ${ms}::bigint,
          last_failure = last_failure - ${ms}::bigint`;

      // Counted on the node on time: both nodes make the source wait the full 5 s.
      const key = "198.51.100.7 cp:CP-1";
      assertEquals(await onTime.attempt(key, clockOnTime()), 0, "the first attempt goes ahead, counted");
      assertAbout(await onTime.retryAfterMs(key, clockOnTime()), 4000, 5000, "the node on time");
      assertAbout(
        await ahead.retryAfterMs(key, clockAhead()),
        4000,
        5000,
        "the node ahead: not let in early",
      );
      assertAbout(
        await ahead.attempt(key, clockAhead()),
        4000,
        5000,
        "refused (not counted) on the node ahead",
      );
      await later(5000);
      assertEquals(await ahead.retryAfterMs(key, clockAhead()), 0, "the wait is over on the node ahead");
      assertEquals(await onTime.retryAfterMs(key, clockOnTime()), 0, "and at the same time on the other");

      // Counted on the node ahead: the node behind it does not keep the source out 30 s longer.
      const other = "198.51.100.8 cp:CP-2";
      assertEquals(await ahead.attempt(other, clockAhead()), 0);
      assertAbout(await onTime.retryAfterMs(other, clockOnTime()), 4000, 5000, "not 35 s on the node behind");
      assertAbout(await onTime.attempt(other, clockOnTime()), 4000, 5000, "refused for the wait only");
      await later(5000);
      assertEquals(
        await onTime.attempt(other, clockOnTime()),
        0,
        "let in again after the wait, on either node",
      );
      assertAbout(await ahead.retryAfterMs(other, clockAhead()), 9000, 10_000, "which doubled the wait");
    } finally {
      await sqlA.end();
      await sqlB.end();
      await db.drop();
    }
  },
});
