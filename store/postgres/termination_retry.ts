/**
 * A plain query on a store's pool refused with a terminated session's error is asked once more. postgres.js
 * 3.4.9 keeps the ErrorResponse of a backend terminated mid-statement (57P01 after pg_terminate_backend, 57P02),
 * unread, and fails the first request the connection serves after it connected again with it: that request
 * was never sent (porsager/postgres#1223 is the same stale error after a kill during start-up; unchanged on
 * master). An operator's read or a station's single statement failed for another session's termination.
 *
 * Asking again is sound for a plain query only: it runs alone, in its own implicit transaction, so one that
 * really was terminated mid-run was rolled back (postgres.js 3.4.9 reports that one as CONNECTION_CLOSED
 * anyway). A statement of a transaction is not asked again: its transaction is gone with its backend
 * (`store_pool.ts` applies this to the pool's own queries, and begins once more a transaction whose BEGIN was
 * refused so, before its callback ran; `reserve.ts` asks again for reservations). Once only: a second
 * termination fails the query.
 *
 * So is a plain query cancelled (57014) by a CancelRequest that was not its own: PostgreSQL cancels what the
 * backend runs when the request ARRIVES, and a call cut off at its bound (`call_statements.ts`) whose statement
 * ended meanwhile had its late cancel land on the connection's next statement, another call's read (seen with a
 * network that stalled and came back). A query its own call cancelled has lost its canceller (postgres.js and
 * `cancelStatement` clear it): that one fails. A database's own statement_timeout also cancels with 57014: such
 * a query is asked once more, and fails the second time (its call's bound still holds).
 *
 * Costs nothing more on success than two fields of the query: the query keeps its `reject`, and postgres.js
 * calls the one set here instead, which puts its own back before it settles or asks again.
 *
 * @example
 * ```ts ignore
 * const rows = await askedOnceMoreAfterTermination(pool`select 1`);
 * ```
 */
import type { Statement } from "./call_statements.ts";

/**
 * SQLSTATEs of a session ended by the server: admin_shutdown (pg_terminate_backend too), crash_shutdown, and
 * idle_in_transaction_session_timeout (a transaction's idle bound, `postgres_transaction_bounds.ts`: its
 * FATAL, read while the transaction's late COMMIT ran, is kept the same way and refused the next query).
 */
const TERMINATED = new Set(["57P01", "57P02", "25P03"]);

/** True for the error of a session the server ended (57P01, 57P02, 25P03). */
export function isTermination(err: unknown): boolean {
  return TERMINATED.has((err as { code?: unknown } | null)?.code as string);
}

/** `made` (a postgres.js query; anything else as it is), asked once more when a termination refuses it. */
export function askedOnceMoreAfterTermination<T>(made: T): T {
  const query = made as unknown as Retriable;
  if (
    !(made instanceof Promise) || typeof query.reject !== "function" || typeof query.handler !== "function"
  ) {
    return made;
  }
  query.rejectForGood = query.reject;
  query.reject = rejectOrAskOnceMore;
  return made;
}

/** postgres.js's fields of a query (3.4.9 `src/query.js`) that settle it and hand it to its pool. */
type Retriable = Statement & {
  reject: (err: unknown) => void;
  rejectForGood?: (err: unknown) => void;
  handler: (query: Retriable) => void;
  cancelled?: unknown;
};

/** The query's `reject` as postgres.js calls it (`query.reject(err)`): `this` is the query. */
function rejectOrAskOnceMore(this: Retriable, err: unknown): void {
  const rejectForGood = this.rejectForGood!;
  this.reject = rejectForGood;
  if (!isTermination(err) && !cancelledByAnother(this, err)) return rejectForGood(err);
  // As a query waiting for a connection (the bound of its call cancels it out of the queue), handed to the pool
  // once the connection that refused it has finished with it (it reads on: open, it may serve the query).
  this.state = null;
  this.active = false;
  queueMicrotask(() => {
    if (!this.cancelled) this.handler(this);
  });
}

/** A 57014 of a query nobody on our side cancelled: its canceller is still there (`cancelStatement` clears it). */
function cancelledByAnother(query: Retriable, err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "57014" && typeof query.canceller === "function" &&
    !query.cancelled;
}
