/**
 * Growing back-off for operator logins, per source address and per username, and a security event for every
 * failed login. The HTTP route resolves the client address and turns a wait into 429 with Retry-After.
 *
 * @example
 * ```ts ignore
 * const wait = guard.check("203.0.113.9", body.username);
 * if (wait) return c.json(..., 429, { "retry-after": String(wait.retryAfterS) });
 * ```
 */
import type { AuthBackoff } from "../security/auth_backoff.ts";
import type { SecurityEventLog } from "../security/security_events.ts";

export class LoginGuard {
  #recentlyLimited = new Map<string, number>();

  constructor(
    private readonly deps: {
      backoff: AuthBackoff;
      events: SecurityEventLog;
      now: () => Date;
    },
  ) {}

  /** How long `address` or `username` must wait before trying again; null when they may try now. */
  check(address: string, username: string): { retryAfterS: number } | null {
    const nowMs = this.deps.now().getTime();
    const wait = this.deps.backoff.retryAfterMs(keys(address, username), nowMs);
    if (wait <= 0) return null;
    const seconds = Math.ceil(wait / 1000);
    const last = this.#recentlyLimited.get(address) ?? -Infinity;
    if (nowMs - last >= 10_000) {
      this.#recentlyLimited.set(address, nowMs);
      if (this.#recentlyLimited.size > 10_000) this.#recentlyLimited.clear();
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

  failed(address: string, username: string): void {
    this.deps.backoff.failed(keys(address, username), this.deps.now().getTime());
    this.deps.events.record({
      kind: "login_failed",
      principal: username.slice(0, 64),
      remoteAddress: address,
      status: 401,
      reason: "Invalid username or password",
    });
  }

  succeeded(address: string, username: string): void {
    this.deps.backoff.succeeded(keys(address, username));
  }
}

function keys(address: string, username: string): string[] {
  return [`ip:${address}`, `user:${username}`];
}
