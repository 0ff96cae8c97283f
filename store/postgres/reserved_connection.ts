/**
 * A connection reserved from the pool (`reserve.ts`) that knows when it is lost. A connection that broke (a
 * killed backend, a restart, the network) took its transaction and session locks with it, and postgres.js has
 * already taken it back to reconnect: a statement sent on it (a ROLLBACK, an unlock) is written on no socket and
 * never answered (the caller held to its bound, the statement left queued ahead of the next session's startup),
 * and a release would list the dead connection as open, for the next query to hang on. So once a call on it
 * failed as unavailable, a clean-up sent with `unlessLost` is not sent and `release` does nothing.
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

export class ReservedConnection {
  #lost = false;
  /** The statements made on it, to find the one running when it is given up. */
  readonly #statements: Statement[] = [];
  /** The CancelRequest sent when it was given up, settled once answered (`release` waits for it). */
  readonly #cancels: Promise<void>[] = [];
  /** The reserved connection, with every statement made on it remembered. */
  readonly sql: ReservedSql;

  private constructor(private readonly reserved: ReservedSql) {
    const remember = <T>(made: T): T => {
      if (made instanceof Promise) this.#statements.push(made as unknown as Statement);
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
    if (this.#cancels.length === 0) return this.reserved.release();
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
    if (!this.#lost) this.reserved.release();
  }
}
