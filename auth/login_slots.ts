/**
 * How many password checks one source may have running at once. A check costs 600,000 PBKDF2 rounds (about
 * 300 ms of a core), an unknown username as much as a known one, and the back-off counts a source per
 * username: a source that never repeats a username is never held back by it, and logins sent at once from one
 * address would otherwise keep every core busy and the other operators' logins waiting behind them. A source
 * is an IPv4 address or an IPv6 /48 (rotating the /64s of one subscriber's /48 buys no more checks).
 *
 * @example
 * ```ts
 * import { LoginSlots } from "./login_slots.ts";
 * const slots = new LoginSlots(1);
 * const release = slots.take("203.0.113.9");
 * slots.take("203.0.113.9"); // null: that address's check is still running
 * release?.();
 * ```
 */
import { backoffSource, sourcePrefix48 } from "../security/auth_backoff.ts";
import { HeldSlots } from "../security/held_slots.ts";

/** A source's checks running at once; more are answered 429 before anything is counted or hashed. */
export const LOGIN_CHECKS_PER_SOURCE = 2;

export class LoginSlots {
  readonly #slots: HeldSlots;

  constructor(perSource = LOGIN_CHECKS_PER_SOURCE) {
    this.#slots = new HeldSlots(perSource);
  }

  /** A slot for a check from `address` (call the release once it is done), or null while all are taken. */
  take(address: string): (() => void) | null {
    return this.#slots.take(sourcePrefix48(address) ?? backoffSource(address));
  }
}
