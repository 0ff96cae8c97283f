/**
 * How every PostgreSQL pool of the process is opened (the stores, the cluster's bus and presence, its shared
 * security views, `deno task db:migrate`): postgres.js with a reconnect back-off of at most half a second.
 * `postgres_pool_test.ts` refuses a pool opened any other way.
 *
 * @example
 * ```ts ignore
 * const sql = openPostgresPool(url, { max: 4, onnotice: () => {} });
 * ```
 */
import postgres, { type Sql } from "postgres";

/** postgres.js's options, but for the back-off, which is always `reconnectBackoffSeconds`. */
export type PoolOptions = Omit<postgres.Options<Record<string, postgres.PostgresType>>, "backoff">;

export function openPostgresPool(url: string, options: PoolOptions): Sql {
  return postgres(url, { ...options, backoff: reconnectBackoffSeconds });
}

/**
 * How long, in seconds, a closed connection of a postgres.js pool waits before it connects again, after
 * `retries` failed attempts (postgres.js counts them for the whole pool, and forgets them only after a
 * connection that served a plain query: never when the reconnect was started by `reserve()`). postgres.js's
 * own curve reaches 10-20 s, and a query it hands to a closed connection waits that long though the pool's
 * other connections answer: when backends were killed again and again (a failover, an operator), stations'
 * reads and group commits waited out their 10 s bound, and the cluster's presence, commands, events and
 * shared security views as long. At most half a second here: an attempt on a database that is down fails at
 * once (connection refused), so trying often costs little, and a query waits well within its bound.
 */
export function reconnectBackoffSeconds(retries: number): number {
  // Jittered like postgres.js's own, so the connections of many nodes do not all retry at once.
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, MAX_RECONNECT_BACKOFF_S);
}

const MAX_RECONNECT_BACKOFF_S = 0.5;
