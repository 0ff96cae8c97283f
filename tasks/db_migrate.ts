/**
 * `deno task db:migrate`: applies pending PostgreSQL migrations and exits, for operators who migrate before
 * rolling out instead of at start-up. Reads DATABASE_URL through the Config. Safe to run while nodes start:
 * it takes the same advisory lock as start-up migrations.
 *
 * @example
 * ```sh
 * DATABASE_URL=postgres://csms@db.example.com/csms deno task db:migrate
 * ```
 */
import { loadConfig } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import { firstAnswer, migrate } from "../store/postgres/migrate.ts";
import { openFailure } from "../store/postgres/open_failure.ts";
import { openPostgresPool } from "../postgres_pool.ts";

/** Applies pending migrations on `url`; returns the versions applied now. */
export async function migrateDatabase(url: string, logger: Logger): Promise<number[]> {
  const sql = openPostgresPool(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    // Bounded like a server's start: a port where something else answers never fails a connection attempt.
    await firstAnswer(sql, 20).catch((error) => Promise.reject(openFailure(url, error)));
    const applied = await migrate(sql);
    logger.info(applied.length ? "migrations applied" : "schema up to date", { applied });
    return applied;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, fields: { task: "db:migrate" } });
  if (!config.DATABASE_URL) {
    logger.error("Cannot migrate: DATABASE_URL is not set");
    Deno.exit(2);
  }
  try {
    await migrateDatabase(config.DATABASE_URL, logger);
  } catch (err) {
    logger.error("Cannot migrate", { error: err instanceof Error ? err.message : String(err) });
    Deno.exit(1);
  }
}
