/**
 * Applies pending schema migrations, all of them in ONE transaction under a transaction-scoped advisory lock:
 * two nodes starting at once queue on the lock, the second then finds the work done. A failure rolls every
 * pending migration back, so the schema is never half-migrated.
 *
 * @example
 * ```ts ignore
 * import postgres from "postgres";
 * import { migrate } from "./migrate.ts";
 * const sql = postgres(Deno.env.get("DATABASE_URL")!);
 * const applied = await migrate(sql); // e.g. [1] on a fresh database, [] afterwards
 * await sql.end();
 * ```
 */
import postgres, { type Sql } from "postgres";
import { type Migration, MIGRATIONS } from "./migrations/mod.ts";

export type { Migration } from "./migrations/mod.ts";
export { MIGRATIONS } from "./migrations/mod.ts";

/** The advisory lock key text; hashed by Postgres into the one-bigint lock space. */
export const MIGRATION_LOCK_NAME = "ocpp-csms:schema_migrations";

/** Applies the pending migrations in order; returns the versions applied now (empty when up to date). */
export async function migrate(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${MIGRATION_LOCK_NAME}, 0))`;
    await tx`
      create table if not exists schema_migrations (
        version    integer primary key,
        name       text not null,
        applied_at timestamptz not null default now()
      )
    `;
    const rows = await tx<{ version: number }[]>`select version from schema_migrations`;
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      // Simple-protocol query: the migration text may hold several statements.
      await tx.unsafe(m.up);
      await tx`insert into schema_migrations ${tx({ version: m.version, name: m.name }, "version", "name")}`;
      applied.push(m.version);
    }
    return applied;
  });
}

function checkOrder(migrations: readonly Migration[]): void {
  let last = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new Error(`Cannot migrate: version ${m.version} ("${m.name}") does not follow version ${last}`);
    }
    last = m.version;
  }
}

/**
 * Opens a postgres.js pool the way every PostgreSQL store here does (NULL for undefined, quiet notices, a
 * bounded connect timeout, an application name for pg_stat_activity) and applies pending migrations, or only
 * checks the connection with `migrate: false`. The pool is closed again when that fails.
 */
export async function openMigratedPool(
  url: string,
  options: {
    maxConnections: number;
    connectTimeoutSeconds?: number;
    applicationName: string;
    migrate?: boolean;
  },
): Promise<Sql> {
  const sql = postgres(url, {
    max: options.maxConnections,
    connect_timeout: options.connectTimeoutSeconds ?? 3,
    transform: { undefined: null },
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
  try {
    if (options.migrate ?? true) await migrate(sql);
    else await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 });
    throw err;
  }
  return sql;
}
