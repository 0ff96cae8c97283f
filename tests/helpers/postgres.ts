/**
 * The shared PostgreSQL test server (127.0.0.1:5432, or TEST_DATABASE_URL): whether tests may use it, and a
 * fresh database per test that is dropped afterwards. With `CI=true` Postgres tests always run (and fail when
 * the server is missing); elsewhere they are ignored with a one-line reason.
 */
import postgres, { type Sql } from "postgres";

export const SERVER_URL = Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const IN_CI = Deno.env.get("CI") === "true";

/** Why the server cannot be used, or null when it answers. */
export async function probe(): Promise<string | null> {
  const sql = postgres(SERVER_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
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
  return postgres(SERVER_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
}

/** Creates an empty database; `drop()` removes it, closing whatever connections are left. */
export async function freshDatabase(
  prefix = "csms_test",
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const sql = admin();
  try {
    await sql`create database ${sql(name)}`;
  } finally {
    await sql.end();
  }
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
 * Runs `fn` with a fresh database's URL and a plain connection to it (`max` connections), then closes the
 * connection and drops the database, whatever `fn` did.
 */
export async function withFreshDatabase(
  fn: (url: string, sql: Sql) => Promise<void>,
  max = 2,
): Promise<void> {
  const db = await freshDatabase();
  const sql = postgres(db.url, { max, onnotice: () => {} });
  try {
    await fn(db.url, sql);
  } finally {
    await sql.end();
    await db.drop();
  }
}
