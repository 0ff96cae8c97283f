/**
 * How long, in seconds, a closed connection of a postgres.js pool waits before it connects again, after
 * `retries` failed attempts (postgres.js counts them for the whole pool, and forgets them only after a
 * connection that served a plain query). postgres.js's own curve reaches 10-20 s, and a query it hands to a
 * closed connection waits that long though the pool's other connections answer: when backends were killed
 * again and again (a failover, an operator), stations' reads and group commits waited out their 10 s bound.
 * At most half a second here: an attempt on a database that is down fails at once (connection refused), so
 * trying often costs little, and a query waits well within its bound.
 *
 * @example
 * ```ts ignore
 * const sql = postgres(url, { backoff: reconnectBackoffSeconds });
 * ```
 */
export function reconnectBackoffSeconds(retries: number): number {
  // Jittered like postgres.js's own, so the connections of many nodes do not all retry at once.
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, MAX_RECONNECT_BACKOFF_S);
}

const MAX_RECONNECT_BACKOFF_S = 0.5;
