/**
 * PostgresAuthStore against the AuthStore contract, each case on a FRESH database (`csms_auth_test_<random>`),
 * dropped afterwards. Same rules as postgres_test.ts: with `CI=true` the tests always run; elsewhere they are
 * registered as ignored, with a one-line reason, when no server answers.
 */
import postgres from "postgres";
import { authStoreContract } from "./auth_contract.ts";
import { openPostgresAuthStore } from "./auth_postgres.ts";

const SERVER_URL = Deno.env.get("TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const IN_CI = Deno.env.get("CI") === "true";

async function probe(): Promise<string | null> {
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

const unreachable = IN_CI ? null : await probe();
if (unreachable !== null) {
  console.log(`PostgreSQL auth store tests ignored: no server at ${SERVER_URL} (${unreachable})`);
}

async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `csms_auth_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = () => postgres(SERVER_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
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

authStoreContract("postgres", async () => {
  const db = await freshDatabase();
  try {
    return { store: await openPostgresAuthStore(db.url), cleanup: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore: unreachable !== null });
