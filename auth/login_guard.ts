/**
 * Growing back-off for operator logins, keyed on the source address (an IPv6 /64) and the username together,
 * so failures from elsewhere never keep the right password out; a security event for every failed login. The
 * HTTP route resolves the client address and turns a wait into 429 with Retry-After.
 *
 * An IPv6 source is also held to its /48's back-off for that username (`prefixBackoff`, PREFIX_48_SHARE times
 * the free failures): a subscriber holding a /48 would otherwise get a fresh back-off in each of its 65,536
 * /64s, millions of password guesses a day. The price: an operator in the same /48 as a guesser (the same
 * site) waits with it, for that username only.
 *
 * An attempt is counted when it is admitted, before the slow password check, and cleared by a success: logins
 * sent in parallel get no more guesses than logins sent one after another. The counts live where the back-off
 * keeps them (this process, or PostgreSQL for a cluster), so that holds across the nodes too.
 *
 * @example
 * ```ts ignore
 * const wait = await guard.admit("203.0.113.9", body.username);
 * if (wait) return c.json(..., 429, { "retry-after": String(wait.retryAfterS) });
 * if (!ok) guard.failed("203.0.113.9", body.username);
 * else await guard.succeeded("203.0.113.9", body.username);
 * ```
 */
import { type AuthBackoff, backoffKey, backoffSource, sourcePrefix48 } from "../security/auth_backoff.ts";
import { LoginSlots } from "./login_slots.ts";
import { OncePer } from "../security/once_per.ts";
import type { SecurityEventLog } from "../security/security_events.ts";

export class LoginGuard {
  /** A source that keeps knocking while it waits is one event per 10 s, not thousands. */
  #limitedEvents = new OncePer(10_000);
  /** Password checks running per source: usernames it never repeats escape the back-off, not this. */
  readonly #slots: LoginSlots;

  constructor(
    private readonly deps: {
      backoff: AuthBackoff;
      /** The back-off of IPv6 /48s (with more free failures); without one, a /64 is on its own. */
      prefixBackoff?: AuthBackoff;
      events: SecurityEventLog;
      now: () => Date;
      slots?: LoginSlots;
    },
  ) {
    this.#slots = deps.slots ?? new LoginSlots();
  }

  /**
   * A slot for one password check from `address`, taken before `admit` (release it once the check is done),
   * or null while that source's checks are all running: answer 429 then, nothing counted, nothing hashed.
   */
  slot(address: string): (() => void) | null {
    return this.#slots.take(address);
  }

  /**
   * Lets `address` try `username` now (null; the attempt counts as failed until `succeeded`), or says how long
   * it must wait.
   */
  async admit(address: string, username: string): Promise<{ retryAfterS: number } | null> {
    const nowMs = this.deps.now().getTime();
    const prefix = this.#prefixKey(address, username);
    // The /48's wait is only looked at first: an attempt its /64 must wait for does not count for the /48,
    // so one /64 knocking while it waits cannot hold back its neighbours. `source`: whose wait it is.
    let source = prefix?.source ?? backoffSource(address);
    let wait = prefix ? await prefix.backoff.retryAfterMs(prefix.key, nowMs) : 0;
    if (wait <= 0) {
      source = backoffSource(address);
      wait = await this.deps.backoff.attempt(backoffKey(address, "user", username), nowMs);
    }
    if (wait <= 0 && prefix) {
      source = prefix.source;
      wait = await prefix.backoff.attempt(prefix.key, nowMs);
    }
    if (wait <= 0) return null;
    const seconds = Math.ceil(wait / 1000);
    // Per the source that waits: a /48 rotating its /64s is one event per 10 s too.
    if (this.#limitedEvents.due(source, nowMs)) {
      this.deps.events.record({
        kind: "login_rate_limited",
        principal: username.slice(0, 64),
        remoteAddress: address,
        status: 429,
        reason: `Too many failed logins; retry after ${seconds} s`,
      });
    }
    return { retryAfterS: seconds };
  }

  /** An admitted attempt failed: counted already by `admit`, so only the security event is left to write. */
  failed(address: string, username: string): void {
    this.deps.events.record({
      kind: "login_failed",
      principal: username.slice(0, 64),
      remoteAddress: address,
      status: 401,
      reason: "Invalid username or password",
    });
  }

  async succeeded(address: string, username: string): Promise<void> {
    await this.deps.backoff.succeeded(backoffKey(address, "user", username));
    const prefix = this.#prefixKey(address, username);
    if (prefix) await prefix.backoff.succeeded(prefix.key);
  }

  #prefixKey(address: string, username: string) {
    const source = sourcePrefix48(address);
    const backoff = this.deps.prefixBackoff;
    return source !== null && backoff ? { backoff, source, key: `${source} user:${username}` } : null;
  }
}
