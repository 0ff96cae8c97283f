/**
 * How long a transaction's session may sit idle in it before PostgreSQL ends it (`IDLE_IN_TRANSACTION_MS`), for
 * every transaction of the stores and the cluster: a node frozen (SIGSTOP, a paused VM, a swap stall) between a
 * transaction's statements and its COMMIT holds their row and advisory locks for as long as it is frozen, and
 * every other writer of those rows (another node, the next operator) waits or fails at its lock timeout, again
 * and again. A group commit sets it with its lock timeout (`store/postgres/commit.ts`); a transaction begun on a
 * store's pool (`store/postgres/store_pool.ts`) or by the cluster (`cluster/postgres.ts`) sets it first thing.
 * A healthy node sends its next statement in ms. At the root, as `postgres_pool.ts`: `cluster/` may not import
 * `store/postgres/`.
 *
 * @example
 * ```ts ignore
 * await pool.begin(async (tx) => {
 *   await tx.unsafe(IDLE_IN_TRANSACTION_BOUND);
 *   await tx`update jobs set state = 'running' where id = ${id}`;
 * });
 * ```
 */

/** The longest a transaction's session may sit idle in it, in ms; a stricter setting of the database stands. */
export const IDLE_IN_TRANSACTION_MS = 5_000;

/**
 * The `set_config` call (a select list item) setting `IDLE_IN_TRANSACTION_MS` for the transaction; the session's
 * own setting stands when it is stricter (not 0).
 */
export const IDLE_IN_TRANSACTION_SETTING = `
  set_config('idle_in_transaction_session_timeout', case
    when t = interval '0' or t > interval '${IDLE_IN_TRANSACTION_MS} milliseconds' then '${IDLE_IN_TRANSACTION_MS}ms'
    else current_setting('idle_in_transaction_session_timeout') end, true)`;

/** The session's idle setting, as `t`, for `IDLE_IN_TRANSACTION_SETTING`. */
export const CURRENT_IDLE_SETTING =
  `(select current_setting('idle_in_transaction_session_timeout')::interval as t) as setting`;

/** The statement giving a transaction its idle bound. */
export const IDLE_IN_TRANSACTION_BOUND = `select ${IDLE_IN_TRANSACTION_SETTING} from ${CURRENT_IDLE_SETTING}`;
