/**
 * A connection reserved from the pool (`reserve.ts`) that knows when it is lost. A connection that broke (a
 * killed backend, a restart, the network) took its transaction and session locks with it, and postgres.js has
 * already taken it back to reconnect: a statement sent on it (a ROLLBACK, an unlock) is written on no socket and
 * never answered (the caller held to its bound, the statement left queued ahead of the next session's startup),
 * and a release would list the dead connection as open, for the next query to hang on. So once a call on it
 * failed as unavailable, a clean-up sent with `unlessLost` is not sent and `release` does nothing.
 *
 * A connection can also close BETWEEN two statements (its backend terminated while it sits reserved, its idle
 * bound firing while the node stalled, the network): no call failed, and postgres.js 3.4.9 still hands the next
 * statement to it. Written on no socket, it throws in a timer (`connection_loss_guard.ts`) before postgres.js
 * clears its pending write (`connection.js` `nextWrite`): the statement is never answered, nor the ROLLBACK
 * after it, and the connection, released or reconnected, never sends its StartupMessage (the pool's next
 * queries were never answered, or failed at CONNECT_TIMEOUT). So it learns the close: postgres.js tells a
 * connection's own `onclose` (as it does for `begin`), reached through `onexecute`, which postgres.js calls
 * for a statement written without being described first (one without parameters, or prepared already: every
 * caller's first, `begin`, `set ...`; a connection not learnt so is as before).
 * Once closed it is lost, and a statement made on it is failed with the close's error instead of sent, as is
 * one postgres.js still held back for it.
 *
 * A call whose bound expired (`sql.ts` `bounded`) gives its connection up (`giveUp`): the statement PostgreSQL
 * is still running on it is cancelled, so the transaction fails, is rolled back and the connection comes back
 * to the pool, instead of staying reserved for as long as the statement runs (a pool of few connections ran
 * short of them); it comes back once that cancel can hit nothing but its own statements (`release`). A backend that does not answer at all (a frozen host) cannot be cancelled: that connection
 * comes back when its socket fails.
 *
 * @example
 * ```ts ignore
 * const conn = await ReservedConnection.reserve(sql);
 * try {
 *   await conn.sql`begin`;
 *   // ...
 * } catch (error) {
 *   conn.failed(error);
 *   await conn.unlessLost(() => conn.sql`rollback`).catch(() => {});
 *   throw error;
 * } finally {
 *   conn.release();
 * }
 * ```
 */
import type { ReservedSql, Sql } from "postgres";
import { cancelStatement, type Statement } from "./call_statements.ts";
import { reserveConnection } from "./reserve.ts";
import { isUnavailable } from "./sql.ts";

/** postgres.js's pool connection (3.4.9 `connection.js`): its `onclose` is told once when its socket closes. */
type PoolConnection = { onclose: ((error: unknown) => void) | null };

/** postgres.js's fields of a query (`query.js`) that hand it to its connection, or fail it. */
type Handed = {
  handler: (query: Handed) => void;
  reject: (error: unknown) => void;
  options: { onexecute?: (connection: PoolConnection) => boolean };
};

export class ReservedConnection {
  #lost = false;
  /** The pool connection serving it, once its first statement was handed to it; null after the release. */
  #connection: PoolConnection | null = null;
  /** The error its connection closed with, once closed while reserved. */
  #closed: unknown = null;
  /** postgres.js's handler of the reserved connection's statements, which writes them on the connection. */
  #send: ((query: Handed) => void) | null = null;
  /** The statements made on it, to find the one running when it is given up. */
  readonly #statements: Statement[] = [];
  /** The CancelRequest sent when it was given up, settled once answered (`release` waits for it). */
  readonly #cancels: Promise<void>[] = [];
  /** The reserved connection, with every statement made on it remembered. */
  readonly sql: ReservedSql;

  private constructor(private readonly reserved: ReservedSql) {
    const remember = <T>(made: T): T => {
      if (!(made instanceof Promise)) return made;
      this.#statements.push(made as unknown as Statement);
      const handed = made as unknown as Handed;
      this.#send ??= handed.handler;
      handed.handler = this.#sendUnlessClosed;
      if (this.#connection === null) handed.options.onexecute ??= this.#learnConnection;
      return made;
    };
    this.sql = new Proxy(reserved, {
      apply: (target, self, args) => remember(Reflect.apply(target, self, args)),
      get: (target, key) => {
        const value = Reflect.get(target, key, target);
        if (key !== "unsafe" || typeof value !== "function") return value;
        return (...args: unknown[]) => remember(value.apply(target, args));
      },
    });
  }

  /** A statement handed on while the connection is open; failed, unsent, once it closed. */
  readonly #sendUnlessClosed = (query: Handed): void => {
    if (this.#closed !== null) return query.reject(this.#closed);
    this.#send!(query);
  };

  /** postgres.js's `onexecute` (told the connection a statement was written on; true: it may take more). */
  readonly #learnConnection = (connection: PoolConnection): boolean => {
    if (this.#connection === null && this.#closed === null) {
      this.#connection = connection;
      connection.onclose = this.#connectionClosed;
    }
    return true;
  };

  /**
   * The connection closed while reserved: its session is gone, nothing more is sent on it. postgres.js failed
   * what it had sent; a statement it still held back for the connection (queued behind one that must be
   * described first, or past `max_pipeline`) it drops with the reservation, unsettled: failed here.
   */
  readonly #connectionClosed = (error: unknown): void => {
    this.#closed = error;
    this.#lost = true;
    this.#connection = null;
    for (const statement of this.#statements) {
      if (statement.executed) (statement as unknown as Handed).reject(error);
    }
  };

  static async reserve(pool: Sql): Promise<ReservedConnection> {
    return new ReservedConnection(await reserveConnection(pool));
  }

  /**
   * The call it serves was given up: the statement running on it is cancelled (a CancelRequest on a
   * connection of its own), so what the caller still awaits fails soon and it can roll back and release.
   */
  giveUp(): void {
    for (const statement of this.#statements) {
      if (statement.active) this.#cancels.push(cancelStatement(statement));
    }
  }

  /** Whether a call on it failed as unavailable: its session is gone. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Tells it that a call on it failed: an unavailable one means the connection is lost. */
  failed(error: unknown): void {
    if (isUnavailable(error)) this.#lost = true;
  }

  /** Sends `statement` unless the connection is lost (then resolves undefined); its own failure is told too. */
  async unlessLost<T>(statement: () => Promise<T>): Promise<T | undefined> {
    if (this.#lost) return undefined;
    try {
      return await statement();
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  /**
   * Gives it back to the pool, unless it is lost (postgres.js reconnects that one itself); a connection given
   * up only once its cancel can no longer land on a later statement (`#releaseOnceCancelSpent`).
   */
  release(): void {
    this.#statements.length = 0;
    if (this.#lost) return;
    if (this.#cancels.length === 0) return this.#giveBack();
    void this.#releaseOnceCancelSpent(this.#cancels.splice(0));
  }

  /**
   * PostgreSQL cancels what the backend runs when the CancelRequest ARRIVES: the statement it was sent for may
   * have ended meanwhile, and given back at once the connection's next statement (another call's write) would
   * be cancelled. Once the request is answered the backend has been signalled, and it takes the signal before
   * it reads what is sent next: the cancel lands at the latest on one more round trip here (57014), never later.
   * A round trip that fails may also have met the transaction left open by a cancelled ROLLBACK: one more ends it.
   */
  async #releaseOnceCancelSpent(cancels: Promise<void>[]): Promise<void> {
    await Promise.all(cancels);
    try {
      await this.unlessLost(() => this.reserved`select 1`);
    } catch {
      await this.unlessLost(() => this.reserved`rollback`).catch(() => {});
    }
    if (!this.#lost) this.#giveBack();
  }

  /** Back to the pool, whose connection no longer tells this one of its close. */
  #giveBack(): void {
    if (this.#connection?.onclose === this.#connectionClosed) this.#connection.onclose = null;
    this.#connection = null;
    this.reserved.release();
  }
}
