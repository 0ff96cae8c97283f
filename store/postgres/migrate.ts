/**
 * Applies pending schema migrations under a session-scoped advisory lock: two nodes starting at once queue on
 * the lock, the second then finds the work done. The migrations run in transactions, consecutive ones in ONE
 * (a failure rolls all of them back, so that part of the schema is never half-migrated), except those made of
 * `steps`: those build indexes on tables a running cluster writes to, each statement on its own outside any
 * transaction (`create index concurrently`), so the older nodes' writes to the table go on while it is built
 * (a `create index` in the transaction would hold them for the whole build: seconds per million rows). A
 * step that does take such a lock (`alter table ... drop constraint`) waits for it at most a short
 * `lock_timeout` at a time (`StepLockOptions`), so that writes never queue behind it for the length of a long
 * query, and is tried again after a pause, a bounded number of times.
 *
 * A waiting node polls the lock (`pg_try_advisory_lock`) rather than blocking on it: a concurrent index build
 * waits for every older snapshot of the database, and a statement blocked on the lock would hold one (the
 * two would deadlock). Between polls it waits in a `pg_sleep` on its own connection, not beside it, so that a
 * connection killed while it waits fails the start at once (`pauseOn`). A node of the version before this
 * polling waits in a transaction: when PostgreSQL
 * breaks that cycle by failing the build, this node lets the lock go, lets the older one finish and runs
 * again. An index build that failed or was killed leaves an invalid index of the same name: dropped and built
 * again at the next run.
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
import type { ReservedSql, Sql } from "postgres";
import { type Migration, MIGRATIONS } from "./migrations/mod.ts";
import { openPostgresPool } from "../../postgres_pool.ts";
import { ReservedConnection } from "./reserved_connection.ts";
import { NoAnswerError, openFailure } from "./open_failure.ts";
import { storePool } from "./store_pool.ts";

export type { Migration } from "./migrations/mod.ts";
export { MIGRATIONS } from "./migrations/mod.ts";

/** The advisory lock key text; hashed by Postgres into the one-bigint lock space. */
export const MIGRATION_LOCK_NAME = "ocpp-csms:schema_migrations";

/** How often a node waiting for another's migration tries the lock again. */
const LOCK_POLL_MS = 100;

/** How a step that takes a table's lock waits for it (`STEP_LOCKS`; tests shorten them). */
export interface StepLockOptions {
  /** The step's `lock_timeout`: the longest writes queue behind its lock request. */
  lockTimeoutMs?: number;
  /** Attempts before the migration fails. */
  lockAttempts?: number;
  /** The pause after the first attempt, doubled after each (up to 30 s). */
  lockBackoffMs?: number;
}

/** Applies the pending migrations in order; returns the versions applied now (empty when up to date). */
export async function migrate(
  sql: Sql,
  migrations: readonly Migration[] = MIGRATIONS,
  options: StepLockOptions = {},
): Promise<number[]> {
  checkList(migrations);
  const locks = { ...STEP_LOCKS, ...options };
  // A connection that broke (a failover, a killed backend) took its lock and transaction with it: nothing more
  // is sent on it (postgres.js writes it on no socket and never answers: the start hung) nor is it released
  // (`reserved_connection.ts`).
  const conn = await ReservedConnection.reserve(sql);
  const applied: number[] = [];
  try {
    // A statement_timeout the database or role sets (a managed database's) would cancel a long step (054's
    // delete of a large history's copies, an index build) and fail every start: none while migrating. Each
    // step's lock waits stay bounded (lock_timeout); the setting is given back with the connection.
    await conn.sql`set statement_timeout = 0`;
    for (let attempt = 1;; attempt++) {
      await lock(conn.sql);
      try {
        await applyPending(conn, migrations, applied, locks);
        return applied;
      } catch (error) {
        conn.failed(error);
        // A node of an older version waiting for the lock inside a transaction holds a snapshot a concurrent
        // build waits for: PostgreSQL breaks the cycle by failing one of them. When it fails the build, the
        // lock is let go so that the older node goes first (it finds its migrations applied), then retried.
        if (conn.lost || !isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
      } finally {
        await conn.unlessLost(() =>
          conn.sql`select pg_advisory_unlock(hashtextextended(${MIGRATION_LOCK_NAME}, 0))`
        );
      }
      await pauseOn(conn.sql, LOCK_POLL_MS * attempt);
    }
  } catch (error) {
    conn.failed(error);
    throw error;
  } finally {
    // The pool's later queries keep the database's bound.
    await conn.unlessLost(() => conn.sql`reset statement_timeout`).catch((error) => conn.failed(error));
    conn.release();
  }
}

/** Runs of `migrate` that PostgreSQL chose as a deadlock's victim before it gives up. */
const DEADLOCK_ATTEMPTS = 5;

function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "40P01";
}

async function lock(conn: ReservedSql): Promise<void> {
  for (;;) {
    const [row] = await conn<{ ok: boolean }[]>`
      select pg_try_advisory_lock(hashtextextended(${MIGRATION_LOCK_NAME}, 0)) as ok
    `;
    if (row?.ok) return;
    await pauseOn(conn, LOCK_POLL_MS);
  }
}

/**
 * Every pause of a migration (between lock polls, before a retry) waits `ms` in a statement on its reserved
 * connection, not in a timer beside it: a connection killed while it sat idle is taken back by postgres.js
 * without a word, and the next poll sent on it was never answered (the node's start hung for ever) or threw
 * from a timer as postgres.js wrote it to no socket. Killed during the statement, the pause fails at once as
 * unavailable, like any statement of the migration, and the start fails with that error (the supervisor starts
 * it again). A `pg_sleep` holds no lock, and its snapshot only for `ms`: an index build waits for it no longer.
 */
async function pauseOn(conn: ReservedSql, ms: number): Promise<void> {
  // In short statements: a statement_timeout the database or role sets (a managed database's) would cancel a
  // long one and fail the start, where a timer waited before.
  for (let left = ms; left > 0; left -= PAUSE_STATEMENT_MS) {
    await conn`select pg_sleep(${Math.min(left, PAUSE_STATEMENT_MS) / 1000})`;
  }
}

/** A pause's statements last at most this long (see `pauseOn`). */
const PAUSE_STATEMENT_MS = 250;

/** Applies what `schema_migrations` lacks, adding each version to `applied` once it is committed. */
async function applyPending(
  reserved: ReservedConnection,
  migrations: readonly Migration[],
  applied: number[],
  locks: Required<StepLockOptions>,
): Promise<void> {
  const conn = reserved.sql;
  let pending: Migration[] = [];
  let first: Migration[] = [];
  // The first transaction also creates the ledger, so a failure there leaves no table at all.
  await inTransaction(reserved, async () => {
    await conn`
      create table if not exists schema_migrations (
        version    integer primary key,
        name       text not null,
        applied_at timestamptz not null default now()
      )
    `;
    const rows = await conn<{ version: number }[]>`select version from schema_migrations`;
    const done = new Set(rows.map((r) => r.version));
    pending = migrations.filter((m) => !done.has(m.version));
    first = leadingTransactional(pending);
    await applyInTransaction(conn, first);
  });
  applied.push(...first.map((m) => m.version));
  pending = pending.slice(first.length);
  while (pending.length > 0) {
    const next = pending[0]!;
    if ("steps" in next) {
      await applyOutside(reserved, next, locks);
      applied.push(next.version);
      pending = pending.slice(1);
    } else {
      const group = leadingTransactional(pending);
      await inTransaction(reserved, () => applyInTransaction(conn, group));
      applied.push(...group.map((m) => m.version));
      pending = pending.slice(group.length);
    }
  }
}

function leadingTransactional(pending: readonly Migration[]): Migration[] {
  const end = pending.findIndex((m) => "steps" in m);
  return pending.slice(0, end === -1 ? pending.length : end);
}

async function applyInTransaction(conn: ReservedSql, group: readonly Migration[]): Promise<void> {
  for (const m of group) {
    // Simple-protocol query: the migration text may hold several statements.
    if ("up" in m) await conn.unsafe(m.up);
    await record(conn, m);
  }
}

async function applyOutside(
  reserved: ReservedConnection,
  m: Migration & { steps: readonly string[] },
  locks: Required<StepLockOptions>,
): Promise<void> {
  const conn = reserved.sql;
  for (const step of m.steps) {
    const index = concurrentIndexName(step);
    if (index !== null) await dropIfInvalid(conn, index);
    if (CONCURRENT_INDEX_STEP.test(step)) await conn.unsafe(step);
    else await withShortLockWaits(reserved, m, step, locks);
  }
  await record(conn, m);
}

/** `create [unique] index concurrently` or `drop index concurrently`: no lock that holds writes. */
const CONCURRENT_INDEX_STEP = /^\s*(?:create\s+(?:unique\s+)?|drop\s+)index\s+concurrently\s/i;

/**
 * The defaults of `StepLockOptions`: writes wait behind a step at most 2 s at a time, and a step gives up
 * after about 3.5 minutes of long queries (the node fails to start; the next start runs the step again).
 */
const STEP_LOCKS: Required<StepLockOptions> = { lockTimeoutMs: 2000, lockAttempts: 12, lockBackoffMs: 500 };

/**
 * Runs a step that takes a lock holding writes (`alter table`) in a transaction of its own with a short
 * `lock_timeout`: behind a long query its lock request would queue every write to the table (starts, stops)
 * for as long as the query runs. Given up after each timeout, so the writes go on, and tried again after a
 * pause.
 */
async function withShortLockWaits(
  reserved: ReservedConnection,
  m: Migration,
  step: string,
  locks: Required<StepLockOptions>,
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await inTransaction(reserved, async () => {
        await reserved.sql.unsafe(`set local lock_timeout = ${Math.max(1, Math.round(locks.lockTimeoutMs))}`);
        await reserved.sql.unsafe(step);
      });
      return;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== "55P03") throw error; // lock_not_available
      if (attempt >= locks.lockAttempts) {
        throw new Error(
          `Cannot migrate ${m.version} ("${m.name}"): its step did not get its lock in ${attempt} attempts of ` +
            `${locks.lockTimeoutMs} ms (a long query or transaction holds the table; run it again once it ended): ` +
            step.trim(),
          { cause: error },
        );
      }
    }
    const pauseMs = Math.min(30_000, locks.lockBackoffMs * 2 ** (attempt - 1));
    await pauseOn(reserved.sql, pauseMs);
  }
}

async function record(conn: ReservedSql, m: Migration): Promise<void> {
  await conn`insert into schema_migrations ${conn({ version: m.version, name: m.name }, "version", "name")}`;
}

async function inTransaction(conn: ReservedConnection, fn: () => Promise<void>): Promise<void> {
  await conn.sql.unsafe("begin");
  try {
    await fn();
  } catch (error) {
    conn.failed(error);
    await conn.unlessLost(() => conn.sql.unsafe("rollback")).catch(() => {});
    throw error;
  }
  await conn.sql.unsafe("commit");
}

/**
 * The index a `create [unique] index concurrently if not exists <name>` step builds, else null; throws for a
 * concurrent build it cannot name (no `if not exists`, a quoted or qualified name), whose leftover would be
 * missed.
 */
export function concurrentIndexName(step: string): string | null {
  if (!/^\s*create\s+(?:unique\s+)?index\s+concurrently\s/i.test(step)) return null;
  const match = /^\s*create\s+(?:unique\s+)?index\s+concurrently\s+if\s+not\s+exists\s+(\w+)\s/i.exec(step);
  if (!match) {
    throw new Error(
      `Cannot migrate: name the index of a concurrent build plainly, with if not exists: ${step}`,
    );
  }
  return match[1]!.toLowerCase();
}

/** A build that failed or was killed left `name` invalid: `if not exists` would skip it for good. */
async function dropIfInvalid(conn: ReservedSql, name: string): Promise<void> {
  // Found as `drop index` finds it (the search path), whatever the schema's name.
  const [row] = await conn<{ valid: boolean }[]>`
    select indisvalid as valid from pg_index where indexrelid = to_regclass(quote_ident(${name}))
  `;
  if (row && !row.valid) await conn.unsafe(`drop index concurrently if exists ${name}`);
}

/** Refuses a list out of order, or with a concurrent build whose leftover could not be found. */
function checkList(migrations: readonly Migration[]): void {
  let last = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new Error(`Cannot migrate: version ${m.version} ("${m.name}") does not follow version ${last}`);
    }
    if ("steps" in m) m.steps.forEach(concurrentIndexName);
    last = m.version;
  }
}

/**
 * Opens a postgres.js pool the way every PostgreSQL store here does (NULL for undefined, quiet notices, a
 * bounded connect timeout, a short reconnect back-off, an application name for pg_stat_activity), checks that
 * PostgreSQL answers and applies pending migrations (not with `migrate: false`). When that fails, the pool is
 * closed again and the error says where and what to fix (`open_failure.ts`).
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
  const sql = openPostgresPool(url, {
    max: options.maxConnections,
    connect_timeout: options.connectTimeoutSeconds ?? 3,
    transform: { undefined: null },
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
  try {
    await firstAnswer(sql, Math.max(FIRST_ANSWER_S, 2 * (options.connectTimeoutSeconds ?? 3)));
    if (options.migrate ?? true) await migrate(sql);
  } catch (err) {
    await sql.end({ timeout: 1 });
    throw openFailure(url, err);
  }
  // Statements cancelled at their call's bound, transactions bounded idle.
  return storePool(sql);
}

/** How long a start waits for PostgreSQL's first answer before it says that none came. */
const FIRST_ANSWER_S = 10;

/**
 * A first query, bounded: a port where something else answers and closes (an HTTP server) fails no
 * connection attempt of postgres.js, which connects again for ever and never settles the query (the server's
 * start hung without a word). Migrations, which may take long, start only once it answered.
 */
export async function firstAnswer(sql: Sql, seconds = FIRST_ANSWER_S): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const noAnswer = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`no answer in ${seconds} s`)), seconds * 1000);
  });
  try {
    await Promise.race([sql`select 1`, noAnswer]);
  } finally {
    clearTimeout(timer);
  }
}
