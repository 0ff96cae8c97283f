import { assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { openPostgresPool } from "../../postgres_pool.ts";
import { migrate, MIGRATIONS } from "../../store/postgres/migrate.ts";
import { ignoreWithoutPostgres, SERVER_URL, withMigratedDatabase } from "./postgres.ts";
import { migratedTemplate, templateName } from "./migrated_template.ts";

const ignore = await ignoreWithoutPostgres("migrated template tests");

Deno.test({
  name: "withMigratedDatabase() gives a database with every migration applied: migrate() finds nothing to do",
  ignore,
  fn: () =>
    withMigratedDatabase(async (_url, sql) => {
      const rows = await sql<{ version: number }[]>`select version from schema_migrations order by version`;
      assertEquals(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
      assertEquals(await migrate(sql), []);
    }),
});

Deno.test({
  name: "withMigratedDatabase() gives each test its own copy: a row written in one is not in the next",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (_url, sql) => {
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-copy', now(), now())`;
    });
    await withMigratedDatabase(async (_url, sql) => {
      assertEquals((await sql`select id from charge_points`).length, 0);
    });
  },
});

Deno.test("templateName() changes with a migration's text, version or name, so a new schema gets a new template", async () => {
  const base = await templateName(MIGRATIONS);
  assertEquals(await templateName(MIGRATIONS), base);
  const last = MIGRATIONS.at(-1)!;
  const edited = { ...last, name: `${last.name}_edited` };
  assertNotEquals(await templateName([...MIGRATIONS.slice(0, -1), edited]), base);
  assertNotEquals(await templateName(MIGRATIONS.slice(0, -1)), base);
  const first = MIGRATIONS[0]!;
  const changedText = "up" in first ? { ...first, up: `${first.up}\n-- changed` } : first;
  assertNotEquals(await templateName([changedText, ...MIGRATIONS.slice(1)]), base);
});

Deno.test({
  name: "the template refuses connections, so a stray session cannot make CREATE DATABASE ... TEMPLATE fail",
  ignore,
  fn: async () => {
    const url = new URL(SERVER_URL);
    url.pathname = `/${await migratedTemplate()}`;
    const sql = openPostgresPool(url.toString(), { max: 1, onnotice: () => {} });
    try {
      await assertRejects(() => sql`select 1`, Error, "is not currently accepting connections");
    } finally {
      await sql.end();
    }
  },
});
