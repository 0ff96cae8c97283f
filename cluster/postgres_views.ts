/**
 * What protects the system as a whole, shared by the nodes on PostgreSQL (migration 012): the authentication
 * back-off (a station or operator guessing passwords gets no fresh budget on another node) and the log of
 * refused handshakes (the API of any node lists every node's).
 *
 * @example
 * ```ts ignore
 * const shared = openPostgresSecurityViews(url, { nodeId, logger });
 * createSecurity(config, { store, logger, now, backoff: (o) => shared.backoff(o) });
 * handshakes.share(shared.handshakes);
 * ```
 */
import type postgres from "postgres";
import type { Logger } from "../logger.ts";
import { openPostgresPool } from "../postgres_pool.ts";
import { type AuthBackoff, type AuthBackoffOptions, waitAfter } from "../security/auth_backoff.ts";
import { bounded } from "./bounded_query.ts";
import type { HandshakeFailure, SharedHandshakeLog } from "../security/handshake_log.ts";
import {
  type BudgetSpec,
  refilledTokens,
  type SharedFailureBudgets,
  waitForToken,
} from "../security/shared_failure_budgets.ts";

export interface SecurityViews {
  backoff(options: AuthBackoffOptions): AuthBackoff;
  handshakes: SharedHandshakeLog;
  /** The station key checks' failure budgets (migration 049). */
  keyCheckBudgets: SharedFailureBudgets;
  close(): Promise<void>;
}

/** Refused handshakes kept in the shared log (the newest). */
const HANDSHAKES_KEPT = 5000;
/** Refusals waiting to be written at most: a flood beyond it is not written (each node still logs it). */
const HANDSHAKE_QUEUE = 1000;

export function openPostgresSecurityViews(
  url: string,
  options: {
    nodeId: string;
    logger: Logger;
    maxConnections?: number;
    /** The bound on each back-off and budget statement of a handshake (default SHARED_BUDGET_TIMEOUT_MS). */
    queryTimeoutMs?: number;
  },
): SecurityViews {
  const sql = openPostgresPool(url, {
    max: options.maxConnections ?? 2,
    connect_timeout: 5,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: `csms-security ${options.nodeId}`.slice(0, 63) },
  });
  const bound = options.queryTimeoutMs !== undefined ? { queryTimeoutMs: options.queryTimeoutMs } : {};
  let queue: HandshakeFailure[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writes = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    timer = undefined;
    const batch = queue;
    queue = [];
    if (!batch.length) return;
    try {
      await sql`
        insert into handshake_failures (at, node_id, charge_point_id, remote_address, status, reason)
        select * from unnest(${batch.map((e) => e.at)}::text[], ${batch.map(() => options.nodeId)}::text[],
          ${batch.map((e) => e.chargePointId)}::text[], ${batch.map((e) => e.remoteAddress)}::text[],
          ${batch.map((e) => e.status)}::int[], ${batch.map((e) => e.reason)}::text[])`;
      if (++writes % 20 === 0) {
        await sql`delete from handshake_failures where id <= (select max(id) from handshake_failures) - ${HANDSHAKES_KEPT}`;
      }
    } catch (error) {
      options.logger.warn("cannot write refused handshakes", { error: String(error), lost: batch.length });
    }
  };
  return {
    backoff: (settings) => new PgAuthBackoff(sql, settings, bound),
    keyCheckBudgets: new PgFailureBudgets(sql, bound),
    handshakes: {
      append(entry) {
        if (queue.length >= HANDSHAKE_QUEUE) return;
        queue.push(entry);
        timer ??= setTimeout(() => (writing = writing.then(flush)), 200);
      },
      async list(limit) {
        const rows = await sql<
          {
            at: string;
            charge_point_id: string | null;
            remote_address: string;
            status: number;
            reason: string;
          }[]
        >`
          select at, charge_point_id, remote_address, status, reason from handshake_failures
          order by id desc limit ${limit}`;
        return rows.map((r) => ({
          at: r.at,
          chargePointId: r.charge_point_id,
          remoteAddress: r.remote_address,
          status: r.status,
          reason: r.reason,
        }));
      },
    },
    async close() {
      clearTimeout(timer);
      await writing;
      await flush();
      await sql.end({ timeout: 2 });
    },
  };
}

/** Spends between two prunes of the buckets that are full again (as good as no row). */
const PRUNE_EVERY = 100;
/**
 * How long a handshake waits for the shared budgets before its node's own decide (`StationKeyChecks` fails
 * open to them): about a station's patience for a handshake, well past a healthy round trip.
 */
export const SHARED_BUDGET_TIMEOUT_MS = 2000;
/** The database's clock in ms since the epoch: one clock for every node's spends and reads. */
const DB_NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/**
 * The failure budgets of security/shared_failure_budgets.ts in `key_check_budgets`, one row per key. Time is
 * the database's (`at_ms` written and the refill computed by its clock): a row written by the node whose
 * clock is fastest would otherwise refill S seconds late on a node S seconds behind, and hold an honest
 * source out that much longer. Each statement is bounded (`queryTimeoutMs`): it throws QueryTimeoutError.
 */
export class PgFailureBudgets implements SharedFailureBudgets {
  #spends = 0;
  readonly #timeoutMs: number;

  constructor(private readonly sql: postgres.Sql, options: { queryTimeoutMs?: number } = {}) {
    this.#timeoutMs = options.queryTimeoutMs ?? SHARED_BUDGET_TIMEOUT_MS;
  }

  async waitMs(budgets: readonly BudgetSpec[]): Promise<number> {
    const rows = await bounded(
      this.sql<{ key: string; tokens: number; at_ms: string; now_ms: string }[]>`
        select key, tokens, at_ms, ${this.sql.unsafe(DB_NOW_MS)} as now_ms
        from key_check_budgets where key = any(${budgets.map((b) => b.key)}::text[])`,
      this.#timeoutMs,
      "read the key check budgets",
    );
    let wait = 0;
    for (const row of rows) {
      const spec = budgets.find((b) => b.key === row.key)!;
      const tokens = refilledTokens(
        { tokens: row.tokens, atMs: Number(row.at_ms) },
        spec,
        Number(row.now_ms),
      );
      wait = Math.max(wait, waitForToken(tokens, spec.rate));
    }
    return wait;
  }

  async spend(budgets: readonly BudgetSpec[]): Promise<void> {
    // One statement for the source and its /48: each row refilled up to the database's now (never by a
    // negative time: a row stamped ahead of it, by a node of an older version, refills nothing and takes the
    // database's time), then one token spent; a new row starts full less the one.
    await bounded(
      this.sql`
        insert into key_check_budgets as b (key, burst, rate, tokens, at_ms)
        select key, burst, rate, burst - 1, ${this.sql.unsafe(DB_NOW_MS)}
        from unnest(${budgets.map((b) => b.key)}::text[], ${budgets.map((b) => b.burst)}::float8[],
          ${budgets.map((b) => b.rate)}::float8[]) as v(key, burst, rate)
        on conflict (key) do update set
          burst = excluded.burst,
          rate = excluded.rate,
          tokens = least(excluded.burst, b.tokens + greatest(0, excluded.at_ms - b.at_ms) / 1000.0 * excluded.rate) - 1,
          at_ms = excluded.at_ms`,
      this.#timeoutMs,
      "spend the key check budgets",
    );
    if (++this.#spends % PRUNE_EVERY === 0) {
      await bounded(
        this.sql`
          delete from key_check_budgets
          where tokens + (${this.sql.unsafe(DB_NOW_MS)} - at_ms) / 1000.0 * rate >= burst`,
        this.#timeoutMs,
        "prune the key check budgets",
      );
    }
  }
}

/**
 * The back-off of security/auth_backoff.ts with its counts in `auth_backoff`, one row per key. Time is the
 * database's (`blocked_until` and `last_failure` written and compared by its clock; the callers' `nowMs` is not
 * used): a wait written by a node S seconds behind would otherwise end S seconds early on a node ahead, and one
 * written by a node ahead hold a source out S seconds longer on a node behind. Each statement a handshake waits
 * for is bounded (`queryTimeoutMs`, QueryTimeoutError): the gate then fails closed (503, retry later: nobody is
 * let in unchecked), as it does for a database it cannot reach, rather than hold the handshake for as long as
 * PostgreSQL hangs.
 */
export class PgAuthBackoff implements AuthBackoff {
  #calls = 0;
  readonly #timeoutMs: number;

  constructor(
    private readonly sql: postgres.Sql,
    private readonly options: AuthBackoffOptions,
    bound: { queryTimeoutMs?: number } = {},
  ) {
    this.#timeoutMs = bound.queryTimeoutMs ?? SHARED_BUDGET_TIMEOUT_MS;
  }

  async retryAfterMs(key: string, _nowMs?: number): Promise<number> {
    const [row] = await bounded(
      this.sql<{ wait_ms: string }[]>`
        select greatest(0, blocked_until - ${this.sql.unsafe(DB_NOW_MS)}) as wait_ms
        from auth_backoff where key = ${key}`,
      this.#timeoutMs,
      "read the auth back-off",
    );
    return row ? Number(row.wait_ms) : 0;
  }

  async attempt(key: string, _nowMs?: number): Promise<number> {
    const { freeFailures, baseMs, maxMs } = this.options;
    const firstDelay = waitAfter(1, this.options);
    // One statement, one round trip per handshake: the upsert locks the row, looks at its wait and counts, so
    // the nodes' parallel attempts are admitted one at a time and the cluster lets through no more than one
    // process would. The database's now is taken once, as the new row's last_failure (`excluded`). A key quiet
    // for twice maxMs starts over, as in MemoryAuthBackoff; the wait is waitAfter() of the new count.
    const failures = this.sql`(case when b.last_failure < excluded.last_failure - ${
      2 * maxMs
    }::bigint then 1 else b.failures + 1 end)`;
    const admitted = await bounded(
      this.sql`
      insert into auth_backoff as b (key, failures, blocked_until, last_failure)
      select ${key}, 1, case when ${firstDelay}::float8 > 0 then now.ms + round(${firstDelay}::float8)::bigint
          else 0 end, now.ms
      from (select ${this.sql.unsafe(DB_NOW_MS)} as ms) as now
      on conflict (key) do update set
        failures = ${failures},
        last_failure = excluded.last_failure,
        blocked_until = case when ${failures} <= ${freeFailures}::int then b.blocked_until
          else excluded.last_failure + round(least(${maxMs}::float8,
            ${baseMs}::float8 * power(2::float8, least(${failures} - ${freeFailures}::int - 1, 40)::float8)))::bigint
          end
      where b.blocked_until <= excluded.last_failure
      returning 1`,
      this.#timeoutMs,
      "count an attempt in the auth back-off",
    );
    if (++this.#calls % 100 === 0) void this.#prune().catch(() => {});
    if (admitted.length > 0) return 0;
    // Waiting (not counted): read in a statement of its own, which sees the blocking count.
    return Math.max(1, await this.retryAfterMs(key));
  }

  async succeeded(key: string): Promise<void> {
    await bounded(
      this.sql`delete from auth_backoff where key = ${key}`,
      this.#timeoutMs,
      "clear the auth back-off",
    );
  }

  async #prune(): Promise<void> {
    await this.sql`
      delete from auth_backoff
      where last_failure < ${this.sql.unsafe(DB_NOW_MS)} - ${2 * this.options.maxMs}::bigint
        and blocked_until < ${this.sql.unsafe(DB_NOW_MS)}`;
  }
}
