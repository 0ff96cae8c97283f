/**
 * A start killed between two statements of a migration (the server SIGKILLed, its backend terminated, a
 * failover) is completed by the next start. A migration of `up` text runs in one transaction with its
 * neighbours: killed, nothing of it is left (`migrate_test.ts`, "a migration whose connection is killed").
 * One of `steps` runs statement by statement outside any transaction (concurrent index builds), so a kill
 * leaves the steps before it applied and the migration unrecorded: here every shipped one is cut after each
 * of its steps, as a kill leaves it, and the next start must make exactly the schema of an uninterrupted one.
 * (`tests/postgres_migration_killed_e2e_test.ts` kills the real server within one.)
 */
import { assertEquals } from "@std/assert";
import type { Sql } from "postgres";
import { openPostgresPool } from "../../postgres_pool.ts";
import {
  admin,
  freshDatabase,
  ignoreWithoutPostgres,
  type TestDatabase,
} from "../../tests/helpers/postgres.ts";
import { schemaOf } from "../../tests/helpers/schema.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL interrupted migration tests");

function pool(url: string): Sql {
  return openPostgresPool(url, { max: 2, onnotice: () => {} });
}

/** A copy of `template` (no session may be connected to it), dropped by its `drop()`. */
async function copyOf(template: TestDatabase): Promise<TestDatabase> {
  const name = `pgfault45_cut_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const root = admin();
  try {
    await root`create database ${root(name)} template ${root(new URL(template.url).pathname.slice(1))}`;
  } finally {
    await root.end();
  }
  const url = new URL(template.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const sql = admin();
      try {
        await sql`drop database if exists ${sql(name)} with (force)`;
      } finally {
        await sql.end();
      }
    },
  };
}

Deno.test({
  name: "every shipped migration of steps, cut after any of its steps, is completed by the next start",
  ignore,
  fn: async () => {
    const base = await freshDatabase("pgfault45_cut_base");
    try {
      for (const [index, m] of MIGRATIONS.entries()) {
        if (!("steps" in m)) continue;
        const before = pool(base.url);
        try {
          await migrate(before, MIGRATIONS.slice(0, index));
        } finally {
          await before.end();
        }
        // Cut after each step, the last included: killed before the migration was recorded.
        const completed: { cut: number; schema: unknown }[] = [];
        for (let cut = 1; cut <= m.steps.length; cut++) {
          const copy = await copyOf(base);
          const sql = pool(copy.url);
          try {
            for (const step of m.steps.slice(0, cut)) await sql.unsafe(step);
            assertEquals(
              await migrate(sql, MIGRATIONS.slice(0, index + 1)),
              [m.version],
              `${m.version} cut ${cut}`,
            );
            completed.push({ cut, schema: await schemaOf(sql) });
          } finally {
            await sql.end();
            await copy.drop();
          }
        }
        const whole = pool(base.url);
        try {
          assertEquals(await migrate(whole, MIGRATIONS.slice(0, index + 1)), [m.version]);
          const expected = await schemaOf(whole);
          for (const { cut, schema } of completed) {
            assertEquals(schema, expected, `migration ${m.version} ("${m.name}") cut after step ${cut}`);
          }
        } finally {
          await whole.end();
        }
      }
    } finally {
      await base.drop();
    }
  },
});
