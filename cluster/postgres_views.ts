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
import postgres from "postgres";
import type { Logger } from "../logger.ts";
import { type AuthBackoff, type AuthBackoffOptions, waitAfter } from "../security/auth_backoff.ts";
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
  options: { nodeId: string; logger: Logger; maxConnections?: number },
): SecurityViews {
  const sql = postgres(url, {
    max: options.maxConnections ?? 2,
    connect_timeout: 5,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: `csms-security ${options.nodeId}`.slice(0, 63) },
  });
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
    backoff: (settings) => new PgAuthBackoff(sql, settings),
    keyCheckBudgets: new PgFailureBudgets(sql),
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

/** The failure budgets of security/shared_failure_budgets.ts in `key_check_budgets`, one row per key. */
export class PgFailureBudgets implements SharedFailureBudgets {
  #spends = 0;

  constructor(private readonly sql: postgres.Sql) {}

  async waitMs(budgets: readonly BudgetSpec[], nowMs: number): Promise<number> {
    const rows = await this.sql<{ key: string; tokens: number; at_ms: string }[]>`
      select key, tokens, at_ms from key_check_budgets where key = any(${budgets.map((b) => b.key)}::text[])`;
    let wait = 0;
    for (const row of rows) {
      const spec = budgets.find((b) => b.key === row.key)!;
      const tokens = refilledTokens({ tokens: row.tokens, atMs: Number(row.at_ms) }, spec, nowMs);
      wait = Math.max(wait, waitForToken(tokens, spec.rate));
    }
    return wait;
  }

  async spend(budgets: readonly BudgetSpec[], nowMs: number): Promise<void> {
    const at = Math.floor(nowMs);
    // One statement for the source and its /48: each row refilled up to now (never back in time, should the
    // nodes' clocks differ), then one token spent; a new row starts full less the one.
    await this.sql`
      insert into key_check_budgets as b (key, burst, rate, tokens, at_ms)
      select key, burst, rate, burst - 1, ${at}::bigint
      from unnest(${budgets.map((b) => b.key)}::text[], ${budgets.map((b) => b.burst)}::float8[],
        ${budgets.map((b) => b.rate)}::float8[]) as v(key, burst, rate)
      on conflict (key) do update set
        burst = excluded.burst,
        rate = excluded.rate,
        tokens = least(excluded.burst, b.tokens + greatest(0, excluded.at_ms - b.at_ms) / 1000.0 * excluded.rate) - 1,
        at_ms = greatest(b.at_ms, excluded.at_ms)`;
    if (++this.#spends % PRUNE_EVERY === 0) {
      await this.sql`
        delete from key_check_budgets where tokens + (${at}::bigint - at_ms) / 1000.0 * rate >= burst`;
    }
  }
}

/** The back-off of security/auth_backoff.ts with its counts in `auth_backoff`, one row per key. */
export class PgAuthBackoff implements AuthBackoff {
  #calls = 0;

  constructor(private readonly sql: postgres.Sql, private readonly options: AuthBackoffOptions) {}

  async retryAfterMs(key: string, now: number): Promise<number> {
    const nowMs = Math.floor(now);
    const [row] = await this.sql<{ blocked_until: string }[]>`
      select blocked_until from auth_backoff where key = ${key}`;
    return row ? Math.max(0, Number(row.blocked_until) - nowMs) : 0;
  }

  async attempt(key: string, now: number): Promise<number> {
    const nowMs = Math.floor(now);
    const { freeFailures, baseMs, maxMs } = this.options;
    const firstDelay = waitAfter(1, this.options);
    // One statement, one round trip per handshake: the upsert locks the row, looks at its wait and counts, so
    // the nodes' parallel attempts are admitted one at a time and the cluster lets through no more than one
    // process would. A key quiet for twice maxMs starts over, as in MemoryAuthBackoff; the wait is
    // waitAfter() of the new count.
    const failures = this.sql`(case when b.last_failure < ${
      nowMs - 2 * maxMs
    }::bigint then 1 else b.failures + 1 end)`;
    const admitted = await this.sql`
      insert into auth_backoff as b (key, failures, blocked_until, last_failure)
      values (${key}, 1, ${firstDelay > 0 ? Math.round(nowMs + firstDelay) : 0}::bigint, ${nowMs}::bigint)
      on conflict (key) do update set
        failures = ${failures},
        last_failure = ${nowMs}::bigint,
        blocked_until = case when ${failures} <= ${freeFailures}::int then b.blocked_until
          else ${nowMs}::bigint + round(least(${maxMs}::float8,
            ${baseMs}::float8 * power(2::float8, least(${failures} - ${freeFailures}::int - 1, 40)::float8)))::bigint
          end
      where b.blocked_until <= ${nowMs}::bigint
      returning 1`;
    if (++this.#calls % 100 === 0) void this.#prune(nowMs).catch(() => {});
    if (admitted.length > 0) return 0;
    // Waiting (not counted): read in a statement of its own, which sees the blocking count.
    return Math.max(1, await this.retryAfterMs(key, nowMs));
  }

  async succeeded(key: string): Promise<void> {
    await this.sql`delete from auth_backoff where key = ${key}`;
  }

  async #prune(nowMs: number): Promise<void> {
    await this.sql`
      delete from auth_backoff
      where last_failure < ${Math.floor(nowMs - 2 * this.options.maxMs)} and blocked_until < ${nowMs}`;
  }
}
