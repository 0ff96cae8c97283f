/**
 * Migrations made of `steps` (concurrent index builds) against a real PostgreSQL: the table they index keeps
 * taking writes while the build waits and runs, a build left invalid (failed, killed) is built again, and
 * the migrations around them still run in transactions.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { openPostgresPool } from "../../postgres_pool.ts";
import type postgres from "postgres";
import { freshDatabase, ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { eventually } from "../../tests/helpers/server.ts";
import { concurrentIndexName, migrate, type Migration, MIGRATION_LOCK_NAME, MIGRATIONS } from "./migrate.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL migration step tests");

const TABLE: Migration = {
  version: 1,
  name: "table",
  up:
    "create table readings (id int, v int); insert into readings select g, g % 10 from generate_series(1, 1000) g;",
};
const BUILD = "create index concurrently if not exists readings_by_v on readings (v)";
const INDEX: Migration = { version: 2, name: "index", steps: [BUILD] };

async function indexState(sql: postgres.Sql, name: string) {
  const [row] = await sql<{ valid: boolean; unique: boolean }[]>`
    select indisvalid as valid, indisunique as unique from pg_index where indexrelid = to_regclass(${name})
  `;
  return row ? { valid: row.valid, unique: row.unique } : null;
}

/** Waits until a statement of this database matching `pattern` waits for a lock, as pg_stat_activity shows. */
async function lockWaitOf(sql: postgres.Sql, pattern: string, what: string): Promise<void> {
  await eventually(
    async () =>
      (await sql`
        select 1 from pg_stat_activity
        where datname = current_database() and query ilike ${pattern} and wait_event_type = 'Lock'
      `).length > 0,
    5000,
    what,
  );
}

const CHECKED: Migration = {
  version: 1,
  name: "table",
  up: "create table readings (id int, v int constraint readings_v_small check (v < 100));",
};
const DROP_CHECK: Migration = {
  version: 2,
  name: "drop_check",
  steps: ["alter table readings drop constraint if exists readings_v_small"],
};
/** Short waits, so that a test sees several attempts. */
const QUICK_LOCKS = { lockTimeoutMs: 200, lockAttempts: 4, lockBackoffMs: 50 };

/**
 * Runs `fn` while a session holds a lock on `readings` that DROP_CHECK's `alter table` must wait for (a long
 * query of an older node: an open transaction that read the table), with DROP_CHECK started on a pool of its
 * own; whatever `fn` leaves open is closed afterwards.
 */
async function withLongQuery(
  url: string,
  sql: postgres.Sql,
  options: Parameters<typeof migrate>[2],
  fn: (t: { holder: postgres.ReservedSql; migrating: Promise<number[]> }) => Promise<void>,
): Promise<void> {
  assertEquals(await migrate(sql, [CHECKED]), [1]);
  const holder = await sql.reserve();
  const migrator = openPostgresPool(url, { max: 1, onnotice: () => {} });
  let migrating: Promise<number[]> = Promise.resolve([]);
  try {
    await holder.unsafe("begin");
    await holder`select count(*) from readings`;
    migrating = migrate(migrator, [CHECKED, DROP_CHECK], options);
    migrating.catch(() => {}); // (awaited by fn)
    await lockWaitOf(sql, "%drop constraint%", "the migration waiting for the long query's lock");
    await fn({ holder, migrating });
  } finally {
    await holder.unsafe("rollback").catch(() => {});
    holder.release();
    await migrating.catch(() => {});
    await migrator.end({ timeout: 1 }); // (bounded: a connection lost while reserved is never given back)
  }
}

async function checkConstraints(sql: postgres.Sql): Promise<string[]> {
  return (await sql`select conname from pg_constraint where conrelid = 'readings'::regclass`)
    .map((r) => r.conname);
}

Deno.test({
  name:
    "a step that takes a table's lock lets writes through during a long query, and runs once the query ended",
  ignore,
  fn: () =>
    withFreshDatabase((url, sql) =>
      withLongQuery(url, sql, { ...QUICK_LOCKS, lockAttempts: 100 }, async ({ holder, migrating }) => {
        const writer = openPostgresPool(url, { max: 1, onnotice: () => {} });
        try {
          // A start or stop of another node meanwhile: queued behind the step's lock request for a lock
          // timeout at most, not for as long as the long query runs.
          await writer`set statement_timeout = 2000`;
          const started = Date.now();
          await writer`insert into readings values (1, 1)`;
          const waited = Date.now() - started;
          assert(waited < 1000, `the insert waited ${waited} ms`);
          await holder.unsafe("commit");
          assertEquals(await migrating, [2]);
          assertEquals(await checkConstraints(sql), []);
        } finally {
          await writer.end();
        }
      })
    ),
});

Deno.test({
  name:
    "a step that never gets its table's lock fails clearly after its attempts, and is run at the next start",
  ignore,
  fn: () =>
    withFreshDatabase((url, sql) =>
      withLongQuery(url, sql, QUICK_LOCKS, async ({ holder, migrating }) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        // Bounded: a step that waits on for as long as the query runs would hang the test.
        const stillWaiting = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the step is still waiting for its lock")), 10_000);
        });
        await assertRejects(
          () => Promise.race([migrating, stillWaiting]).finally(() => clearTimeout(timer)),
          Error,
          'Cannot migrate 2 ("drop_check"): its step did not get its lock in 4 attempts',
        );
        const versions = (await sql`select version from schema_migrations order by version`).map((r) =>
          r.version
        );
        assertEquals(versions, [1]);
        assertEquals(await checkConstraints(sql), ["readings_v_small"]);
        await holder.unsafe("commit");
        assertEquals(await migrate(sql, [CHECKED, DROP_CHECK], QUICK_LOCKS), [2]);
        assertEquals(await checkConstraints(sql), []);
      })
    ),
});

/**
 * Runs `fn` once INDEX's build, started on a pool of its own, waits for a transaction an older node holds open
 * on the table (`holder`, which `fn` ends); whatever `fn` leaves open is closed afterwards.
 */
async function withBuildWaiting(
  url: string,
  sql: postgres.Sql,
  fn: (t: { holder: postgres.ReservedSql; migrating: Promise<number[]> }) => Promise<void>,
): Promise<void> {
  assertEquals(await migrate(sql, [TABLE]), [1]);
  const holder = await sql.reserve();
  const migrator = openPostgresPool(url, { max: 1, onnotice: () => {} });
  let migrating: Promise<number[]> = Promise.resolve([]);
  try {
    await holder.unsafe("begin");
    await holder`insert into readings values (0, 0)`;
    migrating = migrate(migrator, [TABLE, INDEX]);
    await lockWaitOf(sql, "%readings_by_v%", "the index build waiting for the open transaction");
    await fn({ holder, migrating });
  } finally {
    await holder.unsafe("rollback").catch(() => {}); // a failure above left it open: the build waits on it
    holder.release();
    await migrating.catch(() => {}); // (a pool ended while its reserved connection is busy never ends)
    await migrator.end();
  }
}

Deno.test({
  name: "an index migration's table takes writes while the build waits for an open transaction and runs",
  ignore,
  fn: () =>
    withFreshDatabase((url, sql) =>
      withBuildWaiting(url, sql, async ({ holder, migrating }) => {
        const writer = openPostgresPool(url, { max: 1, onnotice: () => {} });
        try {
          // Another node writes meanwhile: a build in the migration's transaction would queue this insert
          // behind its own lock request (and the timeout would end it).
          await writer`set statement_timeout = 2000`;
          await writer`insert into readings values (1001, 1)`;
          await holder.unsafe("commit");
          assertEquals(await migrating, [2]);
          assertEquals(await indexState(sql, "readings_by_v"), { valid: true, unique: false });
          const [row] = await sql`select count(*)::int as n from readings`;
          assertEquals(row?.n, 1002);
        } finally {
          await writer.end();
        }
      })
    ),
});

Deno.test({
  name: "an index a failed or killed build left invalid is dropped and built again",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      assertEquals(await migrate(sql, [TABLE]), [1]);
      // A unique build over duplicates fails half-way and leaves its index behind, invalid, as a kill would.
      await assertRejects(() => sql.unsafe("create unique index concurrently readings_by_v on readings (v)"));
      assertEquals(await indexState(sql, "readings_by_v"), { valid: false, unique: true });
      assertEquals(await migrate(sql, [TABLE, INDEX]), [2]);
      assertEquals(await indexState(sql, "readings_by_v"), { valid: true, unique: false });
    }),
});

Deno.test({
  name: "migrations after a step run in a transaction again; a failed step is run again at the next start",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      const failing: Migration = {
        version: 2,
        name: "index",
        steps: [BUILD, "select no_such_function()"],
      };
      const after: Migration[] = [
        { version: 3, name: "a", up: "create table after_a (id int);" },
        { version: 4, name: "b", up: "create table after_b (id int); select no_such_function();" },
      ];
      await assertRejects(() => migrate(sql, [TABLE, failing, ...after]), Error, "no_such_function");
      const versions = async () =>
        (await sql`select version from schema_migrations order by version`).map((r) => r.version);
      // The table's transaction is committed; the step that failed is not recorded, so nothing after it ran.
      assertEquals(await versions(), [1]);
      await assertRejects(() => migrate(sql, [TABLE, INDEX, ...after]), Error, "no_such_function");
      // 3 and 4 share a transaction: 4 failed, so 3's table is not there either.
      assertEquals(await versions(), [1, 2]);
      const [row] = await sql`select to_regclass('after_a') is null as absent`;
      assertEquals(row?.absent, true);
    }),
});

Deno.test({
  name:
    "a build that PostgreSQL fails to break a deadlock with an older node waiting for the lock runs again",
  ignore,
  fn: () =>
    withFreshDatabase((url, sql) =>
      withBuildWaiting(url, sql, async ({ holder, migrating }) => {
        const older = openPostgresPool(url, { max: 1, onnotice: () => {} });
        let olderWaiting: Promise<unknown> = Promise.resolve();
        try {
          // A node of the previous version starts: it waits for the lock inside a transaction (a snapshot the
          // build will wait for once the holder is gone).
          olderWaiting = older.begin((tx) =>
            tx`select pg_advisory_xact_lock(hashtextextended(${MIGRATION_LOCK_NAME}, 0))`
          ).catch((error) => error);
          await lockWaitOf(sql, "%pg_advisory_xact_lock%", "the older node waiting for the lock");
          // Past deadlock_timeout (1 s) the older node has checked and found no cycle yet; the build, waiting
          // for its snapshot from the commit on, finds the cycle and is the one failed.
          await new Promise((resolve) => setTimeout(resolve, 1500));
          await holder.unsafe("commit");
          assertEquals(await migrating, [2]);
          assertEquals(await indexState(sql, "readings_by_v"), { valid: true, unique: false });
        } finally {
          await holder.unsafe("rollback").catch(() => {}); // the older node waits on the build, the build on it
          await olderWaiting;
          await older.end();
        }
      })
    ),
});

Deno.test({
  name: "an index migration finds its leftover in a schema whose name is not lower case",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, sql) => {
      await sql`create schema "Csms"`;
      const inSchema = openPostgresPool(url, {
        max: 1,
        onnotice: () => {},
        connection: { search_path: '"Csms"' },
      });
      try {
        assertEquals(await migrate(inSchema, [TABLE]), [1]);
        await assertRejects(() =>
          inSchema.unsafe("create unique index concurrently readings_by_v on readings (v)")
        );
        assertEquals(await migrate(inSchema, [TABLE, INDEX]), [2]);
        assertEquals(await indexState(inSchema, "readings_by_v"), { valid: true, unique: false });
      } finally {
        await inSchema.end();
      }
    }),
});

Deno.test("concurrentIndexName() names what a step builds, so that an invalid leftover can be found", () => {
  assertEquals(
    concurrentIndexName(
      "create index concurrently if not exists command_log_by_requested on command_log (x)",
    ),
    "command_log_by_requested",
  );
  assertEquals(
    concurrentIndexName("\n  CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS Some_Index\n on t (x)"),
    "some_index",
  );
  assertEquals(concurrentIndexName("drop index concurrently if exists transactions_by_id_tag"), null);
  // A concurrent build it cannot name is refused before anything runs (its leftover would go unseen).
  for (
    const step of [
      "create index concurrently i on t (x)",
      'create index concurrently if not exists "I" on t (x)',
    ]
  ) {
    assertThrows(() => concurrentIndexName(step), Error, "name the index");
  }
});

Deno.test({
  name: "migrate() refuses a concurrent build it cannot name before it applies anything",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      const unnamed: Migration = {
        version: 2,
        name: "index",
        steps: ["create index concurrently on readings (v)"],
      };
      await assertRejects(() => migrate(sql, [TABLE, unnamed]), Error, "name the index");
      const [row] = await sql`select to_regclass('schema_migrations') is null as absent`;
      assertEquals(row?.absent, true);
    }),
});

/** How many scans this transaction has begun of each table of the schema. */
async function scansOf(tx: postgres.TransactionSql): Promise<Map<string, number>> {
  const rows = await tx<{ name: string; scans: string }[]>`
    select relname as name, pg_stat_get_xact_numscans(oid) as scans from pg_class
    where relkind = 'r' and relnamespace = current_schema()::regnamespace
  `;
  return new Map(rows.map((r) => [r.name, Number(r.scans)]));
}

Deno.test({
  name: "no step of the shipped migrations reads a table while it holds the lock that stops its writes",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      // A step runs beside a cluster still writing: an `alter table` that scans (a check constraint added
      // with its column is verified row by row) holds every write to the table, group commits with them,
      // for as long as the scan takes (seconds per million rows).
      const scanned: string[] = [];
      for (const m of MIGRATIONS) {
        if (!("steps" in m)) {
          await migrate(sql, MIGRATIONS.filter((x) => x.version <= m.version));
          continue;
        }
        for (const step of m.steps) {
          if (/^\s*(create\s+(unique\s+)?|drop\s+)index\s+concurrently/i.test(step)) {
            await sql.unsafe(step);
            continue;
          }
          await sql.begin(async (tx) => {
            const before = await scansOf(tx);
            await tx.unsafe(step);
            const after = await scansOf(tx);
            const locked = await tx<{ name: string }[]>`
              select c.relname as name from pg_locks l join pg_class c on c.oid = l.relation
              where l.pid = pg_backend_pid() and l.mode = 'AccessExclusiveLock' and c.relkind = 'r'
            `;
            for (const { name } of locked) {
              // A table the step creates (its primary key's build reads it) has no writers to hold.
              if (!before.has(name)) continue;
              if ((after.get(name) ?? 0) > (before.get(name) ?? 0)) {
                scanned.push(`${m.version} ${name}: ${step.replace(/\s+/g, " ")}`);
              }
            }
          });
        }
        await sql`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      }
      assertEquals(scanned, []);
    }),
});

Deno.test({
  name: "a migration whose connection is killed fails at once, not hangs (a failover while a node starts)",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, sql) => {
      const slow: Migration = {
        version: 1,
        name: "slow",
        up: "create table slow (id int); select pg_sleep(30);",
      };
      const pool = openPostgresPool(url, { max: 2, onnotice: () => {} });
      try {
        const started = performance.now();
        const migrating = migrate(pool, [slow]).then(() => "migrated", (e) => `failed: ${e}`);
        await eventually(
          async () =>
            (await sql`
              select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and query ilike '%pg_sleep(30)%' and pid <> pg_backend_pid()
            `).length > 0,
          5000,
          "the migration's backend killed",
        );
        const outcome = await Promise.race([
          migrating,
          new Promise<string>((r) => setTimeout(() => r("still waiting after 5 s"), 5000)),
        ]);
        assert(outcome.startsWith("failed"), outcome);
        assert(performance.now() - started < 10_000);
        // The next start migrates: nothing half-applied, the lock not held by the dead session.
        assertEquals(await migrate(sql, [{ ...slow, up: "create table slow (id int);" }]), [1]);
      } finally {
        await pool.end({ timeout: 1 });
      }
    }),
});

Deno.test({
  name: "a node waiting for another's migration fails at once when its connection is killed, not hangs",
  ignore,
  fn: async () => {
    const db = await freshDatabase("stall2_migrate");
    const sql = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    const holder = await sql.reserve();
    const waiter = openPostgresPool(db.url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: "stall2-migration-waiter" },
    });
    try {
      // Another node migrating: it holds the lock, so this one polls for it. Its backend is killed while it
      // waits between two polls (not while it connects, when postgres.js's own type query would fail unheard).
      await holder`select pg_advisory_lock(hashtextextended(${MIGRATION_LOCK_NAME}, 0))`;
      const started = performance.now();
      const waiting = migrate(waiter, [TABLE]).then(() => "migrated", (e) => `failed: ${e}`);
      await eventually(
        async () =>
          (await sql`
            select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and application_name = 'stall2-migration-waiter'
              and ((state = 'idle' and query ilike '%pg_try_advisory_lock%') or query ilike '%pg_sleep%')
          `).length > 0,
        5000,
        "the waiting node's backend killed",
      );
      const outcome = await Promise.race([
        waiting,
        new Promise<string>((r) => setTimeout(() => r("still waiting after 5 s"), 5000)),
      ]);
      assert(outcome.startsWith("failed"), outcome);
      assert(performance.now() - started < 10_000);
      // Once the other node is done, the next start migrates.
      await holder`select pg_advisory_unlock(hashtextextended(${MIGRATION_LOCK_NAME}, 0))`;
      assertEquals(await migrate(sql, [TABLE]), [1]);
    } finally {
      holder.release();
      await waiter.end({ timeout: 1 });
      await sql.end({ timeout: 1 });
      await db.drop();
    }
  },
});

Deno.test({
  name: "a step waiting between its lock attempts fails at once when its connection is killed, not hangs",
  ignore,
  fn: async () => {
    const db = await freshDatabase("stall2_migrate");
    const sql = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    try {
      // Long pauses between the attempts, so that the kill lands in one.
      const locks = { lockTimeoutMs: 100, lockAttempts: 100, lockBackoffMs: 2000 };
      await withLongQuery(db.url, sql, locks, async ({ migrating }) => {
        const outcome = migrating.then(() => "migrated", (e) => `failed: ${e}`);
        await eventually(
          async () =>
            (await sql`
              select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid()
                and (query ilike 'select pg_sleep%' or (state = 'idle' and query ilike 'rollback%'))
            `).length > 0,
          5000,
          "the migration's backend killed while it pauses",
        );
        const settled = await Promise.race([
          outcome,
          new Promise<string>((r) => setTimeout(() => r("still waiting after 5 s"), 5000)),
        ]);
        assert(settled.startsWith("failed"), settled);
      });
    } finally {
      await sql.end({ timeout: 1 });
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "a step's pause between lock attempts longer than the role's statement_timeout does not fail the start",
  ignore,
  fn: async () => {
    const db = await freshDatabase("review43_migrate_stmt_timeout");
    const sql = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    try {
      // A managed database often bounds every statement; a pause is no statement of ours to bound.
      await sql.unsafe(`alter database "${new URL(db.url).pathname.slice(1)}" set statement_timeout = '1s'`);
      const locks = { lockTimeoutMs: 100, lockAttempts: 100, lockBackoffMs: 1500 };
      await withLongQuery(db.url, sql, locks, async ({ holder, migrating }) => {
        // Two attempts, so a pause of 1.5 s has begun.
        await new Promise((r) => setTimeout(r, 2500));
        await holder.unsafe("commit");
        assertEquals(await migrating, [2]);
      });
    } finally {
      await sql.end({ timeout: 1 });
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "a migration longer than the database's statement_timeout does not fail the start, and the pool keeps the timeout",
  ignore,
  fn: async () => {
    const db = await freshDatabase("review44_migrate_long_step");
    const admin = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    // One connection: the one that migrated is the one asked for its timeout after.
    const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      // A managed database often bounds every statement; a migration of a large table (054's delete of the
      // status history's copies, an index build) takes longer than such a bound.
      await admin.unsafe(
        `alter database "${new URL(db.url).pathname.slice(1)}" set statement_timeout = '500ms'`,
      );
      const slow: Migration[] = [
        { version: 1, name: "slow", up: "select pg_sleep(0.8)" },
        { version: 2, name: "slow step", steps: ["select pg_sleep(0.8)"] },
      ];
      assertEquals(await migrate(sql, slow), [1, 2]);
      const [row] = await sql<{ statement_timeout: string }[]>`show statement_timeout`;
      assertEquals(row?.statement_timeout, "500ms");
    } finally {
      await sql.end({ timeout: 1 });
      await admin.end({ timeout: 1 });
      await db.drop();
    }
  },
});
