/**
 * Growing back-off for operator logins, per source address and per username (429 with Retry-After while it
 * lasts), and a security event for every failed login. Used by routes/api/auth.ts.
 *
 * @example
 * ```ts ignore
 * const limited = guard.check(c, body.username);
 * if (limited) return limited;
 * ```
 */
import type { Context } from "hono";
import { errorBody } from "./api/http.ts";
import type { AuthBackoff } from "../security/auth_backoff.ts";
import { resolveClient } from "../security/client_address.ts";
import type { IpList } from "../security/ip_list.ts";
import { remoteAddressOf } from "./ocpp.ts";
import type { SecurityEventLog } from "../security/security_events.ts";

export class LoginGuard {
  #recentlyLimited = new Map<string, number>();

  constructor(
    private readonly deps: {
      backoff: AuthBackoff;
      events: SecurityEventLog;
      trustedProxies: IpList;
      now: () => Date;
    },
  ) {}

  /** A 429 response while the address or the username is backing off, else null. */
  check(c: Context, username: string): Response | null {
    const address = this.#address(c);
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
    return c.json(
      errorBody("rate_limited", `Too many failed logins; retry after ${seconds} s`, { retryAfter: seconds }),
      429,
      { "retry-after": String(seconds) },
    );
  }

  failed(c: Context, username: string): void {
    const address = this.#address(c);
    this.deps.backoff.failed(keys(address, username), this.deps.now().getTime());
    this.deps.events.record({
      kind: "login_failed",
      principal: username.slice(0, 64),
      remoteAddress: address,
      status: 401,
      reason: "Invalid username or password",
    });
  }

  succeeded(c: Context, username: string): void {
    this.deps.backoff.succeeded(keys(this.#address(c), username));
  }

  #address(c: Context): string {
    return resolveClient(c.req.raw, remoteAddressOf(c), this.deps.trustedProxies).address;
  }
}

function keys(address: string, username: string): string[] {
  return [`ip:${address}`, `user:${username}`];
}
