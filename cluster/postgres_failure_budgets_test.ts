/**
 * The cluster's key check failure budgets in PostgreSQL (`PgFailureBudgets`, migration 049): a token bucket
 * per key spent by failures, refilled by time (the database's clock: the nodes' may differ), read by every
 * node, and given up on (the node's own budget decides) when PostgreSQL does not answer.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../tests/helpers/postgres.ts";
import { QueryTimeoutError } from "./bounded_query.ts";
import { PgFailureBudgets } from "./postgres_views.ts";

const ignore = await ignoreWithoutPostgres("cluster failure budget tests");

/** Between `low` and `high` (the database's clock runs on between a write and a read). */
function assertAbout(actual: number, low: number, high: number, msg: string) {
  assert(actual >= low && actual <= high, `${msg}: ${actual} not in [${low}, ${high}]`);
}

Deno.test({
  name:
    "failure budgets: spent on one node, read on another, refilled by the database's clock, each key its own",
  ignore,
  async fn() {
    const db = await migratedDatabase("skew2_failure_budgets");
    const sqlA = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    const sqlB = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      await (await openPostgresStore(db.url)).close();
      const a = new PgFailureBudgets(sqlA);
      const b = new PgFailureBudgets(sqlB);
      const source = { key: "198.51.100.7", burst: 3, rate: 0.5 };
      const prefix = { key: "2001:db8:1::/48", burst: 48, rate: 8 };
      // As if `ms` had passed since the rows were last written.
      const later = (ms: number) => sqlA`update key_check_budgets set at_ms = at_ms - ${ms}::bigint`;
      assertEquals(await b.waitMs([source]), 0, "nothing spent: no wait");
      await a.spend([source]);
      await a.spend([source]);
      assertEquals(await b.waitMs([source]), 0, "one token left");
      await a.spend([source]);
      assertAbout(await b.waitMs([source]), 1800, 2000, "none left: one comes back in 1 / 0.5 s");
      await later(1500);
      assertAbout(await b.waitMs([source]), 300, 500, "refilled by time");
      await later(500);
      assertEquals(await b.waitMs([source]), 0);
      // Spent again: the refill up to then counts (one token), then one is spent.
      await b.spend([source]);
      assertAbout(await a.waitMs([source]), 1800, 2000, "spent on the other node");
      // A row stamped ahead of the database (a node of an older version, its clock ahead, wrote it) refills
      // nothing until then, but the next spend stamps it with the database's time: it refills from there.
      await sqlA`update key_check_budgets set at_ms = at_ms + 30000, tokens = 1`;
      await a.spend([source]);
      await later(1000);
      assertAbout(await b.waitMs([source]), 800, 1000, "refilled from the database's time, not 30 s on");
      // Another key, spent with it in one call, keeps its own count.
      await a.spend([prefix]);
      await later(6000);
      assertEquals(await b.waitMs([source, prefix]), 0, "the source refilled, the /48 holds 47");
      // Buckets full again are pruned at every 100th spend of a node (a has spent 5 times so far): as good as
      // no row. The 100th, an hour later, leaves only its own.
      for (let i = 0; i < 94; i++) await a.spend([{ key: `203.0.113.${i}`, burst: 3, rate: 0.5 }]);
      const rows = async () =>
        (await sqlA<{ key: string }[]>`select key from key_check_budgets order by key`).map((r) => r.key);
      assertEquals((await rows()).length, 96);
      await later(3_600_000);
      await a.spend([{ key: "192.0.2.1", burst: 3, rate: 0.5 }]);
      assertEquals(await rows(), ["192.0.2.1"]);
    } finally {
      await sqlA.end();
      await sqlB.end();
      await db.drop();
    }
  },
});

Deno.test({
  name: "failure budgets: a PostgreSQL that does not answer is given up on after the bound, reads and spends",
  ignore,
  async fn() {
    const db = await migratedDatabase("skew2_failure_budgets_hung");
    const sql = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    const locker = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      await (await openPostgresStore(db.url)).close();
      const budgets = new PgFailureBudgets(sql, { queryTimeoutMs: 300 });
      const source = { key: "198.51.100.7", burst: 3, rate: 0.5 };
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      // Another session holds the table: every statement on it waits, as on a server that hangs.
      const holding = locker.begin(async (tx) => {
        await tx`lock table key_check_budgets in access exclusive mode`;
        locked();
        await held;
      });
      await isLocked;
      for (const what of ["read", "spend"] as const) {
        const started = performance.now();
        await assertRejects(
          () => what === "read" ? budgets.waitMs([source]) : budgets.spend([source]),
          QueryTimeoutError,
        );
        const ms = performance.now() - started;
        assert(ms >= 250 && ms < 1500, `${what} gave up after ${ms.toFixed(0)} ms`);
      }
      release();
      await holding;
      // Answering again, it is asked again (the spend given up on may have landed: its cancel races the lock).
      assertEquals(await budgets.waitMs([source]), 0);
    } finally {
      await sql.end();
      await locker.end();
      await db.drop();
    }
  },
});
