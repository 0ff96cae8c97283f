/**
 * The cluster's key check failure budgets in PostgreSQL (`PgFailureBudgets`, migration 049): a token bucket
 * per key spent by failures, refilled by time, read by every node.
 */
import { assertEquals } from "@std/assert";
import postgres from "postgres";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { freshDatabase, ignoreWithoutPostgres } from "../tests/helpers/postgres.ts";
import { PgFailureBudgets } from "./postgres_views.ts";

const ignore = await ignoreWithoutPostgres("cluster failure budget tests");

Deno.test({
  name: "failure budgets: spent on one node, read on another, refilled at their rate, each key its own",
  ignore,
  async fn() {
    const db = await freshDatabase("csms_failure_budgets");
    const sqlA = postgres(db.url, { max: 1, onnotice: () => {} });
    const sqlB = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await (await openPostgresStore(db.url)).close();
      const a = new PgFailureBudgets(sqlA);
      const b = new PgFailureBudgets(sqlB);
      const source = { key: "198.51.100.7", burst: 3, rate: 0.5 };
      const prefix = { key: "2001:db8:1::/48", burst: 48, rate: 8 };
      const t0 = 1_800_000_000_000;
      assertEquals(await b.waitMs([source], t0), 0, "nothing spent: no wait");
      await a.spend([source], t0);
      await a.spend([source], t0);
      assertEquals(await b.waitMs([source], t0), 0, "one token left");
      await a.spend([source], t0);
      assertEquals(await b.waitMs([source], t0), 2000, "none left: one comes back in 1 / 0.5 s");
      assertEquals(await b.waitMs([source], t0 + 1500), 500, "refilled by time");
      assertEquals(await b.waitMs([source], t0 + 2000), 0);
      // Spent again at t0 + 2 s: the refill up to then counts (one token), then one is spent.
      await b.spend([source], t0 + 2000);
      assertEquals(await a.waitMs([source], t0 + 2000), 2000);
      // A clock behind the row's does not refill it backwards nor move its time back.
      await a.spend([source], t0 + 1000);
      assertEquals(await b.waitMs([source], t0 + 2000), 4000);
      // Another key, spent with it in one call, keeps its own count.
      await a.spend([prefix], t0);
      assertEquals(await b.waitMs([source, prefix], t0 + 6000), 0, "the source refilled, the /48 holds 47");
      // Buckets full again are pruned at every 100th spend of a node (a has spent 5 times so far): as good as
      // no row. The 100th, an hour later, leaves only its own.
      for (let i = 0; i < 94; i++) await a.spend([{ key: `203.0.113.${i}`, burst: 3, rate: 0.5 }], t0);
      const rows = async () =>
        (await sqlA<{ key: string }[]>`select key from key_check_budgets`).map((r) => r.key);
      assertEquals((await rows()).length, 96);
      await a.spend([{ key: "192.0.2.1", burst: 3, rate: 0.5 }], t0 + 3_600_000);
      assertEquals(await rows(), ["192.0.2.1"]);
    } finally {
      await sqlA.end();
      await sqlB.end();
      await db.drop();
    }
  },
});
