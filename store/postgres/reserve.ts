/**
 * `sql.reserve()` that is not lost when the pool loses a connection. postgres.js 3.4.9 hands a reserve()
 * waiting for a busy pool to the first connection that closes, to reconnect with it, and that connection
 * drops it once connected (`connection.js` ReadyForQuery: `initial.reserve && (initial = null)` before it
 * fetches the array types; the call is no longer in the pool's queue either): the caller waited for ever, a
 * group commit until its 10 s bound. A reservation not served within a moment is asked for again, a few
 * times, further apart each time; the first connection served is used, any later one released at once.
 *
 * And a connection whose backend was terminated mid-statement (57P01, 57P02) keeps that error, unread, and
 * fails the first request it serves after it connected again with it: a reservation waiting for the pool,
 * handed to that connection, is refused with another session's termination (porsager/postgres#1223 is the
 * same stale error after a kill during start-up; unchanged on master). So a reservation refused with a
 * termination is asked for once more: a reservation that cannot connect fails as before (refused, 57P03). A
 * plain query on a store's pool is asked again the same way (`termination_retry.ts`).
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
import { isTermination } from "./termination_retry.ts";

/** When to ask again, in ms after the first ask (a busy pool serves a reservation within these, or it is lost). */
const ASK_AGAIN_AFTER_MS = [250, 750, 1750, 3750];

export function reserveConnection(sql: Sql, askAgainAfterMs = ASK_AGAIN_AFTER_MS): Promise<ReservedSql> {
  return new Promise((resolve, reject) => {
    let served = false;
    let asked = 0;
    let terminationForgiven = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    const serve = (c: ReservedSql) => {
      if (served) return c.release();
      served = true;
      clearTimeout(timer);
      resolve(c);
    };
    const refused = (err: unknown) => {
      if (served) return;
      if (!terminationForgiven && isTermination(err)) {
        terminationForgiven = true;
        sql.reserve().then(serve, refused);
        return;
      }
      served = true;
      clearTimeout(timer);
      reject(err);
    };
    const ask = () => {
      const next = askAgainAfterMs[asked++];
      if (next !== undefined) timer = setTimeout(ask, Math.max(0, started + next - performance.now()));
      sql.reserve().then(serve, refused);
    };
    ask();
  });
}
