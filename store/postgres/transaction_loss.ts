/**
 * A transaction begun on a store's pool (`store_pool.ts`) whose connection closed under it (its backend killed,
 * its idle bound fired, a failover) sends nothing more on that connection. postgres.js 3.4.9 hands a
 * transaction's statements, and the ROLLBACK or COMMIT it sends once the callback settled, to the transaction's
 * connection whatever became of it. Written after the socket closed, the write throws in a timer (caught by
 * `connection_loss_guard.ts`) before it clears its pending chunk and its flush timer (`connection.js`
 * `nextWrite`), so that connection never flushes a write again: when it connects once more its StartupMessage
 * waits behind the dead ROLLBACK, and the next query on it fails at CONNECT_TIMEOUT (30 s), again at each try,
 * until about ten StartupMessages fill the chunk past 1 KiB and the garbage is flushed. Written once the
 * connection is connected again, the statement runs in whatever session it serves next.
 *
 * So the transaction is watched: it is lost once one of its statements fails as unavailable (`sql.ts`
 * `isUnavailable`: CONNECTION_CLOSED, a termination, 25P03; noticed as the statement is failed, before any code
 * awaiting it runs) or once postgres.js fails the transaction while its callback runs (it does so as the
 * connection closes). A statement made on a lost transaction is failed, not sent; a callback that settles
 * once it is lost is held: postgres.js sends neither ROLLBACK nor COMMIT, and the transaction fails with the
 * connection's error, as it already has. What it wrote is gone with its session.
 *
 * A callback's own error that looks like a loss on a connection that is still open (a hand-made 57P01) holds
 * the transaction too, until its idle bound (`postgres_transaction_bounds.ts`) ends the session: at most 5 s.
 *
 * @example
 * ```ts ignore
 * const loss = new TransactionLoss();
 * const begun = pool.begin((tx) =>
 *   loss.held((async () => {
 *     await loss.guarded(tx`update jobs set state = 'done' where id = ${id}`);
 *   })())
 * );
 * loss.watch(begun);
 * ```
 */
import { isUnavailable } from "./sql.ts";

export class TransactionLoss {
  /** What told that the connection is lost; null while it is not known to be. */
  #loss: { error: unknown } | null = null;

  /** Whether the transaction's connection is known to be lost. */
  get lost(): boolean {
    return this.#loss !== null;
  }

  /** The transaction's connection is lost, as `error` told (the first telling stands). */
  lose(error: unknown): void {
    this.#loss ??= { error };
  }

  /** Watches what postgres.js's `begin` answered: failing while the callback runs, the connection closed. */
  watch(begun: Promise<unknown>): void {
    begun.then(undefined, (error) => this.lose(error));
  }

  /**
   * `made` (a statement of the transaction; anything else as it is), failed instead of sent once the transaction
   * is lost, and telling the loss when it fails as unavailable.
   */
  guarded<T>(made: T): T {
    const statement = made as unknown as Guarded;
    if (
      !(made instanceof Promise) || typeof statement.reject !== "function" ||
      typeof statement.handler !== "function"
    ) {
      return made;
    }
    statement.loss = this;
    statement.handOn = statement.handler;
    statement.handler = handOnUnlessLost;
    statement.failForGood = statement.reject;
    statement.reject = failNoticingLoss;
    return made;
  }

  /** What the callback answered, or never settled once the transaction is lost (postgres.js ends it with nothing). */
  held<T>(answer: Promise<T>): Promise<T> {
    return answer.then(
      (value) => this.lost ? NEVER : value,
      (error) => {
        if (isUnavailable(error)) this.lose(error);
        if (this.lost) return NEVER;
        throw error;
      },
    );
  }

  /** The error a statement made after the loss fails with. */
  error(): unknown {
    return this.#loss?.error;
  }
}

/** A settlement that never comes. */
const NEVER: Promise<never> = new Promise(() => {});

/** postgres.js's fields of a query (3.4.9 `src/query.js`) that settle it and hand it to its connection. */
type Guarded = {
  reject: (error: unknown) => void;
  handler: (query: Guarded) => void;
  loss?: TransactionLoss;
  handOn?: (query: Guarded) => void;
  failForGood?: (error: unknown) => void;
};

/** The query's `handler` as postgres.js calls it when the query is executed (`this.handler(this)`). */
function handOnUnlessLost(this: Guarded, query: Guarded): void {
  const loss = this.loss!;
  if (loss.lost) return this.failForGood!(loss.error());
  this.handOn!(query);
}

/** The query's `reject` as postgres.js calls it (`query.reject(err)`). */
function failNoticingLoss(this: Guarded, error: unknown): void {
  if (isUnavailable(error)) this.loss!.lose(error);
  this.failForGood!(error);
}
