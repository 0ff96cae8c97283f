/**
 * The real server SIGKILLed in the middle of a migration: between two statements of one made of `steps`
 * (036, nine statements run one by one outside a transaction, their first four done), then started again.
 * The restart completes the schema, exactly as an uninterrupted migration makes it, and serves stations.
 * (`store/postgres/migrate_interrupted_test.ts` cuts every shipped migration after each of its steps.)
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { migrate, MIGRATIONS } from "../store/postgres/migrate.ts";
import { spawnServer } from "./helpers/process.ts";
import { freshDatabase, ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { schemaOf } from "./helpers/schema.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL migration kill test");
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CUT = MIGRATIONS.findIndex((m) => m.version === 36);

Deno.test({
  name:
    "the server SIGKILLed between two statements of a migration completes it at its next start and serves",
  ignore,
  fn: async () => {
    const db = await freshDatabase("pgfault45_mig_kill");
    const reference = await migratedDatabase("pgfault45_mig_ref");
    const sql = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    const ref = openPostgresPool(reference.url, { max: 1, onnotice: () => {} });
    const dir = await Deno.makeTempDir({ prefix: "pgfault45-mig-kill-" });
    const env = { DATABASE_URL: db.url, KV_PATH: `${dir}/csms.kv` };
    const holder = await sql.reserve();
    try {
      assert(CUT > 0);
      await migrate(sql, MIGRATIONS.slice(0, CUT));
      // An older node's long query on `transactions`: 036's steps on status_history run, the fifth (an
      // `alter table transactions`) waits for the query's lock.
      await holder.unsafe("begin");
      await holder`select count(*) from transactions`;
      const first = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN],
        env: { PORT: "0", HOSTNAME: "127.0.0.1", ...env },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        await eventually(
          async () =>
            (await sql`
              select 1 from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and query ilike '%station_id_reuse%'
            `).length > 0,
          30_000,
          "036's step on transactions waiting for its lock",
        );
        const evse = await sql`
          select 1 from information_schema.columns where table_name = 'status_history' and column_name = 'evse_id'
        `;
        assertEquals(evse.length, 1, "036's first steps applied before the kill");
      } finally {
        first.kill("SIGKILL");
        await first.status;
      }
      assertEquals((await sql`select 1 from schema_migrations where version = 36`).length, 0);
      await holder.unsafe("rollback");

      const restarted = await spawnServer(env);
      try {
        const station = await connectStation(restarted.wsUrl, "PGFAULT45-MIG-1");
        assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
        await closeStation(station);
        assertEquals(
          await fetch(`${restarted.url}/readyz`).then(async (r) => (await r.body?.cancel(), r.status)),
          200,
        );
      } finally {
        await restarted.kill("SIGTERM");
      }
      const [migrated, expected] = [await schemaOf(sql), await schemaOf(ref)];
      assertEquals(migrated.migrations.map((m) => m.version), expected.migrations.map((m) => m.version));
      assertEquals(migrated, expected);
    } finally {
      await holder.unsafe("rollback").catch(() => {});
      holder.release();
      await sql.end({ timeout: 1 });
      await ref.end({ timeout: 1 });
      await db.drop();
      await reference.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
