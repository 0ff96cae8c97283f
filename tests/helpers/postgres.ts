/**
 * The shared PostgreSQL test server (127.0.0.1:5432, or TEST_DATABASE_URL): whether tests may use it, and a
 * fresh database per test that is dropped afterwards: empty (`freshDatabase`, for tests of migrations) or already
 * migrated (`migratedDatabase`, a copy of a template built once per migration set: much faster). With `CI=true` Postgres tests always run (and fail when
 * the server is missing); elsewhere they are ignored with a one-line reason.
 */
import type { Sql } from "postgres";
import { openPostgresPool } from "../../postgres_pool.ts";
import { cloneMigratedTemplate } from "./migrated_template.ts";

export const SERVER_URL = Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const IN_CI = Deno.env.get("CI") === "true";

/** Why the server cannot be used, or null when it answers. */
export async function probe(): Promise<string | null> {
  const sql = openPostgresPool(SERVER_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Probes once (outside CI) and prints why `what` is ignored; returns the `ignore` flag for Deno.test. */
export async function ignoreWithoutPostgres(what: string): Promise<boolean> {
  const unreachable = IN_CI ? null : await probe();
  if (unreachable !== null) {
    console.log(`${what} ignored: no server at ${redact(SERVER_URL)} (${unreachable})`);
  }
  return unreachable !== null;
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

export function admin(): Sql {
  return openPostgresPool(SERVER_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
}

/** A test database: its URL, and `drop()` that removes it, closing whatever connections are left. */
export interface TestDatabase {
  url: string;
  drop: () => Promise<void>;
}

/** Creates an empty database (for tests of migrations themselves; others take `migratedDatabase`). */
export async function freshDatabase(prefix = "csms_test"): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const sql = admin();
  try {
    await sql`create database ${sql(name)}`;
  } finally {
    await sql.end();
  }
  return dropOnRequest(name);
}

/**
 * Creates a database with every migration applied, copied from a template (tests/helpers/
 * migrated_template.ts): opening a store on it finds nothing to migrate.
 */
export async function migratedDatabase(prefix = "csms_test"): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await cloneMigratedTemplate(name);
  return dropOnRequest(name);
}

function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

function dropOnRequest(name: string): TestDatabase {
  const url = new URL(SERVER_URL);
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

/**
 * Runs `fn` with a fresh empty database's URL and a plain connection to it (`max` connections), then closes
 * the connection and drops the database, whatever `fn` did.
 */
export function withFreshDatabase(fn: (url: string, sql: Sql) => Promise<void>, max = 2): Promise<void> {
  return withDatabase(freshDatabase, fn, max);
}

/** `withFreshDatabase` on a migrated database (`migratedDatabase`). */
export function withMigratedDatabase(fn: (url: string, sql: Sql) => Promise<void>, max = 2): Promise<void> {
  return withDatabase(migratedDatabase, fn, max);
}

async function withDatabase(
  create: () => Promise<TestDatabase>,
  fn: (url: string, sql: Sql) => Promise<void>,
  max: number,
): Promise<void> {
  const db = await create();
  const sql = openPostgresPool(db.url, { max, onnotice: () => {} });
  try {
    await fn(db.url, sql);
  } finally {
    await sql.end();
    await db.drop();
  }
}
