/**
 * The connections one bounded call reserves (`reserved_connection.ts`), given up together when the call's
 * bound expires (`sql.ts` `bounded`'s `onExpired`): the statements they run are cancelled, and a reservation
 * asked for after that is refused (its caller was already told the call failed) and, if served, released.
 *
 * @example
 * ```ts ignore
 * const reservations = new CallReservations(pool);
 * await bounded("write", 10_000, () => work(reservations), () => reservations.giveUp());
 * ```
 */
import type { Sql } from "postgres";
import { StoreUnavailableError } from "../mod.ts";
import { ReservedConnection } from "./reserved_connection.ts";

export class CallReservations {
  readonly #held = new Set<ReservedConnection>();
  #givenUp = false;

  constructor(private readonly pool: Sql, private readonly what: string) {}

  /** A reserved connection for the call; release it with `release` here. */
  async reserve(): Promise<ReservedConnection> {
    if (this.#givenUp) throw this.#refused();
    const conn = await ReservedConnection.reserve(this.pool);
    if (this.#givenUp) {
      conn.release();
      throw this.#refused();
    }
    this.#held.add(conn);
    return conn;
  }

  release(conn: ReservedConnection): void {
    this.#held.delete(conn);
    conn.release();
  }

  /** The call's bound expired: what its connections run is cancelled, and no more is reserved for it. */
  giveUp(): void {
    this.#givenUp = true;
    for (const conn of this.#held) conn.giveUp();
  }

  #refused(): StoreUnavailableError {
    return new StoreUnavailableError(`Cannot ${this.what}: the call was given up at its bound`);
  }
}
