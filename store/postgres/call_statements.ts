/**
 * The statements a bounded call (`sql.ts` `bounded`) started on a store's pool, so that its bound cancels the
 * ones still running or waiting for a connection: a plain call cut off at its bound (a read waiting for a row
 * lock, a slow scan) kept its connection busy for as long as PostgreSQL ran the statement, and a pool of few
 * connections ran short. The pool records each query made on it, and each statement of a transaction begun on
 * it (`store_pool.ts`), into the call whose code made it: the call runs in an AsyncLocalStorage context, which
 * follows its awaits. Calls nest (a batched read in a bounded method): a statement belongs to every call around
 * it.
 *
 * @example
 * ```ts ignore
 * const statements = new CallStatements();
 * const rows = statements.run(() => pool`select pg_sleep(60)`);
 * setTimeout(() => statements.cancel(), 1_000); // the query fails with 57014 within a second
 * ```
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { PendingQuery } from "postgres";

const CURRENT = new AsyncLocalStorage<CallStatements>();

export class CallStatements {
  /** What it made while it runs; null once it settled or was cancelled (nothing more is its own). */
  #made: Statement[] | null = [];
  #parent: CallStatements | undefined;
  #started = false;

  /**
   * A call whose statements are its own only, whatever call runs around it: a statement that serves many
   * callers (a batched read) is cancelled by its own bound, not by the bound of the caller that started it.
   */
  static ownBound(): CallStatements {
    const call = new CallStatements();
    call.#started = true;
    return call;
  }

  /** Runs `fn` as this call: the statements its code makes on a recording pool are this call's. */
  run<T>(fn: () => T): T {
    if (!this.#started) {
      this.#started = true;
      this.#parent = CURRENT.getStore();
    }
    return CURRENT.run(this, fn);
  }

  /** The call is answered: what its code still starts (a task it left behind) is not its own. */
  settled(): void {
    this.#made = null;
  }

  /** The call's bound expired: its statements that run are cancelled, and those waiting for a connection. */
  cancel(): void {
    const made = this.#made;
    this.#made = null;
    for (const statement of made ?? []) {
      // A statement waiting in the pool's queue (executed, no connection yet: no `state`) is taken out of it
      // and fails; one that finished has a `state` and is no longer active. A fragment (never executed) stays.
      if (statement.executed && (statement.active || !statement.state)) cancelStatement(statement);
    }
  }

  /** Records a query made on a recording pool for the calls running (none outside a bounded call). */
  static record<T>(made: T): T {
    if (!(made instanceof Promise)) return made;
    for (let call = CURRENT.getStore(); call; call = call.#parent) {
      call.#made?.push(made as unknown as Statement);
    }
    return made;
  }
}

/**
 * Cancels `statement` with postgres.js's canceller (a CancelRequest on a connection of its own when it runs, out
 * of the pool's queue when it waits there). postgres.js's own `cancel()` drops the request's promise: a cancel
 * that cannot connect would be an unhandled rejection. Nothing more to do when it fails: a connection whose
 * statement could not be cancelled comes back when the statement ends or its socket fails. Resolves once the
 * request was answered (PostgreSQL has signalled the backend) or failed.
 */
export function cancelStatement(statement: Statement): Promise<void> {
  const cancel = statement.canceller;
  if (!cancel) return Promise.resolve();
  statement.canceller = null;
  return cancel(statement).catch(() => {});
}

/** postgres.js's fields of a query that say whether and where it runs, and cancel it (`src/query.js`, 3.4.9). */
export type Statement = PendingQuery<never> & {
  active?: boolean;
  executed?: boolean;
  state?: unknown;
  canceller?: ((statement: Statement) => Promise<void>) | null;
};
