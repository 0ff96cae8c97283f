/**
 * A migrated template database on the shared test server, cloned by `migratedDatabase()` (tests/helpers/
 * postgres.ts): `create database x template t` copies a small schema in about 0.1 s where creating an empty
 * database and running every migration takes 1-2 s, paid again by each of ~200 tests.
 *
 * Its name carries a hash of the migrations (versions, names and SQL text): a new or edited migration makes a
 * new template. It is built under another name and renamed when complete, so no process clones a half-built
 * one; builds take a server-wide advisory lock, so two test processes starting at once build it once. Nobody
 * may connect to it (`allow_connections false`): CREATE DATABASE ... TEMPLATE fails while the template has
 * other connections (PostgreSQL 15, "Template Databases"), and concurrent clones of it are allowed.
 *
 * Templates of other migration sets are dropped by the next build once unused for `STALE_AFTER_MS` (each
 * clone stamps its template's comment), so they do not pile up on a developer's server, while another
 * checkout still testing an older set keeps its own; one dropped all the same is built again by its next clone.
 */
import type postgres from "postgres";
import { openPostgresPool } from "../../postgres_pool.ts";
import { migrate, type Migration, MIGRATIONS } from "../../store/postgres/migrate.ts";
import { admin, SERVER_URL } from "./postgres.ts";

const TEMPLATE_PREFIX = "csms_tpl_";
const BUILD_PREFIX = "csms_tplbuild_";
/** Held while building, by whichever test process on this server builds a template. */
const BUILD_LOCK = "ocpp-csms:test_template_build";
/** A template of another migration set not cloned for this long is dropped by the next build. */
const STALE_AFTER_MS = 24 * 3600_000;
/** A clone refreshes its template's last-use stamp at most this often (a write to the shared catalog). */
const STAMP_EVERY_MS = 60_000;

let template: Promise<string> | null = null;
let stampedAt = 0;

/** The name of the template of the current migrations, built first when the server lacks it. */
export function migratedTemplate(): Promise<string> {
  template ??= ensureTemplate().catch((error) => {
    template = null;
    throw error;
  });
  return template;
}

/** Creates database `name` as a copy of the migrated template (built again if someone dropped it). */
export async function cloneMigratedTemplate(name: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    const source = await migratedTemplate();
    const sql = admin();
    try {
      await sql`create database ${sql(name)} template ${sql(source)}`;
      if (Date.now() - stampedAt > STAMP_EVERY_MS) {
        stampedAt = Date.now();
        await stamp(sql, source);
      }
      return;
    } catch (error) {
      // 3D000: the template is gone (dropped as stale by another checkout's build): build it again once.
      if ((error as { code?: unknown }).code !== "3D000" || attempt > 1) throw error;
      template = null;
    } finally {
      await sql.end();
    }
  }
}

/** The template's name for these migrations: a hash of what each one makes. */
export async function templateName(migrations: readonly Migration[] = MIGRATIONS): Promise<string> {
  const text = JSON.stringify(
    migrations.map((m) => [m.version, m.name, "up" in m ? m.up : m.steps]),
  );
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const hex = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return TEMPLATE_PREFIX + hex;
}

async function ensureTemplate(): Promise<string> {
  const name = await templateName();
  const sql = admin();
  try {
    if (await exists(sql, name)) return name;
    await sql`select pg_advisory_lock(hashtextextended(${BUILD_LOCK}, 0))`;
    try {
      if (await exists(sql, name)) return name;
      // No build runs elsewhere while we hold the lock: a build database left now is a crashed builder's.
      for (const old of await databasesLike(sql, BUILD_PREFIX)) await dropDatabase(sql, old);
      const building = `${BUILD_PREFIX}${name.slice(TEMPLATE_PREFIX.length)}`;
      await sql`create database ${sql(building)}`;
      await migrateDatabase(building);
      await sql`alter database ${sql(building)} with allow_connections false`;
      await sql`alter database ${sql(building)} rename to ${sql(name)}`;
      await stamp(sql, name);
      stampedAt = Date.now();
      await dropStaleTemplates(sql, name);
      return name;
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended(${BUILD_LOCK}, 0))`;
    }
  } finally {
    await sql.end();
  }
}

async function migrateDatabase(database: string): Promise<void> {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  const sql = openPostgresPool(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await migrate(sql);
  } finally {
    await sql.end();
  }
}

async function exists(sql: postgres.Sql, name: string): Promise<boolean> {
  const rows = await sql`select 1 from pg_database where datname = ${name}`;
  return rows.length > 0;
}

async function databasesLike(sql: postgres.Sql, prefix: string): Promise<string[]> {
  const rows = await sql<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${prefix})
  `;
  return rows.map((r) => r.datname);
}

async function dropDatabase(sql: postgres.Sql, name: string): Promise<void> {
  await sql`drop database if exists ${sql(name)} with (force)`;
}

async function stamp(sql: postgres.Sql, name: string): Promise<void> {
  await sql.unsafe(
    `comment on database "${name}" is 'csms test template, last cloned ${new Date().toISOString()}'`,
  );
}

/** Drops the templates of other migration sets that nobody cloned for `STALE_AFTER_MS`. */
async function dropStaleTemplates(sql: postgres.Sql, keep: string): Promise<void> {
  const rows = await sql<{ datname: string; comment: string | null }[]>`
    select datname, shobj_description(oid, 'pg_database') as comment
    from pg_database where starts_with(datname, ${TEMPLATE_PREFIX}) and datname <> ${keep}
  `;
  for (const { datname, comment } of rows) {
    const lastCloned = Date.parse(/last cloned (\S+)/.exec(comment ?? "")?.[1] ?? "");
    if (Number.isNaN(lastCloned) || Date.now() - lastCloned > STALE_AFTER_MS) {
      await dropDatabase(sql, datname);
    }
  }
}
