/**
 * A connection reserved from the pool (`reserve.ts`) that knows when it is lost. A connection that broke (a
 * killed backend, a restart, the network) took its transaction and session locks with it, and postgres.js has
 * already taken it back to reconnect: a statement sent on it (a ROLLBACK, an unlock) is written on no socket and
 * never answered (the caller held to its bound, the statement left queued ahead of the next session's startup),
 * and a release would list the dead connection as open, for the next query to hang on. So once a call on it
 * failed as unavailable, a clean-up sent with `unlessLost` is not sent and `release` does nothing.
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
import { reserveConnection } from "./reserve.ts";
import { isUnavailable } from "./sql.ts";

export class ReservedConnection {
  #lost = false;

  private constructor(readonly sql: ReservedSql) {}

  static async reserve(pool: Sql): Promise<ReservedConnection> {
    return new ReservedConnection(await reserveConnection(pool));
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

  /** Gives it back to the pool, unless it is lost (postgres.js reconnects that one itself). */
  release(): void {
    if (!this.#lost) this.sql.release();
  }
}
