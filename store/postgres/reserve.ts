/**
 * `sql.reserve()` that is not lost when the pool loses a connection. postgres.js 3.4.9 hands a reserve()
 * waiting for a busy pool to the first connection that closes, to reconnect with it, and that connection
 * drops it once connected (`connection.js` ReadyForQuery: `initial.reserve && (initial = null)` before it
 * fetches the array types; the call is no longer in the pool's queue either): the caller waited for ever, a
 * group commit until its 10 s bound. A reservation not served within a moment is asked for again, a few
 * times, further apart each time; the first connection served is used, any later one released at once.
 *
 * @example
 * ```ts ignore
 * const c = await reserveConnection(sql);
 * try {
 *   await c`select 1`;
 * } finally {
 *   c.release();
 * }
 * ```
 */
import type { ReservedSql, Sql } from "postgres";

/** When to ask again, in ms after the first ask (a busy pool serves a reservation within these, or it is lost). */
const ASK_AGAIN_AFTER_MS = [250, 750, 1750, 3750];

export function reserveConnection(sql: Sql, askAgainAfterMs = ASK_AGAIN_AFTER_MS): Promise<ReservedSql> {
  return new Promise((resolve, reject) => {
    let served = false;
    let asked = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    const ask = () => {
      const next = askAgainAfterMs[asked++];
      if (next !== undefined) timer = setTimeout(ask, Math.max(0, started + next - performance.now()));
      sql.reserve().then(
        (c) => {
          if (served) return c.release();
          served = true;
          clearTimeout(timer);
          resolve(c);
        },
        (err) => {
          if (served) return;
          served = true;
          clearTimeout(timer);
          reject(err);
        },
      );
    };
    ask();
  });
}
