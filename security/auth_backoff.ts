/**
 * Growing back-off after failed authentication, per key: the first `freeFailures` cost nothing, then each
 * failure doubles the wait from `baseMs` up to `maxMs`. A key is always a source together with what it tried
 * (`backoffKey(source, "cp", id)`, `backoffKey(source, "user", name)`), so one source's failures never hold
 * back the right credentials from another source.
 *
 * `AuthBackoff` is the interface (asynchronous, so a cluster can keep the counts in its shared store:
 * cluster/postgres_views.ts); `MemoryAuthBackoff` keeps them in this process, bounded in size. A key that stays
 * quiet for twice `maxMs` is forgotten.
 *
 * An attempt is counted as a failure before its credentials are checked (the check is slow: a password hash),
 * in one step with the look at its wait, so attempts sent in parallel cannot all pass while none is counted
 * yet; a success clears the count.
 *
 * @example
 * ```ts
 * const backoff = new MemoryAuthBackoff({ freeFailures: 1, baseMs: 1000, maxMs: 60_000 });
 * const key = backoffKey("10.0.0.9", "cp", "CP-1");
 * await backoff.attempt(key, 0); // 0: go ahead (the free failure)
 * await backoff.attempt(key, 0); // 0: go ahead, and the next waits 1000
 * await backoff.attempt(key, 500); // 500: wait (not counted)
 * ```
 */
import { parseIp } from "./ip_list.ts";
import { setMostRecent } from "../model/recency.ts";

/** `nowMs` is the caller's clock; a back-off shared by the nodes goes by its store's clock instead (skew). */
export interface AuthBackoff {
  /** How long until `key` may try again (0: now). */
  retryAfterMs(key: string, nowMs: number): Promise<number>;
  /**
   * Counts an attempt as a failure before it is checked, in one step with the check of the wait: 0 when it
   * may go ahead, else the wait (and nothing is counted). A success afterwards clears the count as usual.
   */
  attempt(key: string, nowMs: number): Promise<number>;
  /** A success clears the key's history. */
  succeeded(key: string): Promise<void>;
}

export interface AuthBackoffOptions {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
  /** Keys remembered at most; the least recently failed are dropped first. */
  maxKeys?: number;
}

/**
 * Where an attempt comes from, for back-off keys: an IPv4 address as is, an IPv6 address as its /64 (one
 * subscriber usually holds a whole /64, so single addresses would give an attacker 2^64 fresh keys).
 *
 * @example
 * ```ts
 * backoffSource("2001:db8:1:2:aaaa::1"); // "2001:db8:1:2::/64"
 * backoffSource("::ffff:10.0.0.1"); // "10.0.0.1"
 * ```
 */
export function backoffSource(address: string): string {
  const bytes = parseIp(address);
  if (!bytes) return address;
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(":")}::/64`;
}

/**
 * How many /64s' budget an IPv6 /48 has where a source's budget is also kept per /48 (the refused-handshake
 * throttle, the security event log's source budget, operator logins' back-off): one subscriber often holds a
 * whole /48, and rotating its 65,536 /64s must not buy 65,536 budgets. 16 leaves room for a site whose stations
 * or operators sit in a few subnets.
 */
export const PREFIX_48_SHARE = 16;

/**
 * The /48 an IPv6 address is in (a site's usual allocation: 65,536 /64s), as `backoffSource` writes a /64;
 * null for IPv4 (and IPv4-mapped IPv6), whose budgets stay per address.
 *
 * @example
 * ```ts
 * sourcePrefix48("2001:db8:1:2:aaaa::1"); // "2001:db8:1::/48"
 * sourcePrefix48("10.0.0.1"); // null
 * ```
 */
export function sourcePrefix48(address: string): string | null {
  const bytes = parseIp(address);
  if (!bytes || bytes.length === 4) return null;
  const groups: string[] = [];
  for (let i = 0; i < 6; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(":")}::/48`;
}

/** The wait imposed by the `failures`-th failure in a row (0 while failures are free). */
export function waitAfter(failures: number, options: AuthBackoffOptions): number {
  const over = failures - options.freeFailures;
  if (over <= 0) return 0;
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.min(over - 1, 40));
}

/** The back-off key of `source` (an address) trying `subject` (a charge point id or a username). */
export function backoffKey(source: string, kind: "cp" | "user", subject: string): string {
  return `${backoffSource(source)} ${kind}:${subject}`;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export class MemoryAuthBackoff implements AuthBackoff {
  readonly #entries = new Map<string, Entry>();
  readonly #maxKeys: number;

  constructor(private readonly options: AuthBackoffOptions) {
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  retryAfterMs(key: string, nowMs: number): Promise<number> {
    const entry = this.#current(key, nowMs);
    return Promise.resolve(entry ? Math.max(0, entry.blockedUntil - nowMs) : 0);
  }

  attempt(key: string, nowMs: number): Promise<number> {
    // No await between the look and the count: one process admits its parallel attempts one at a time.
    const entry = this.#current(key, nowMs);
    const wait = entry ? Math.max(0, entry.blockedUntil - nowMs) : 0;
    if (wait > 0) return Promise.resolve(wait);
    this.#count(key, nowMs);
    return Promise.resolve(0);
  }

  succeeded(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  /** Counts a failure of `key`. */
  #count(key: string, nowMs: number): void {
    const entry = this.#current(key, nowMs) ?? { failures: 0, blockedUntil: 0, lastFailure: nowMs };
    entry.failures++;
    entry.lastFailure = nowMs;
    const delay = waitAfter(entry.failures, this.options);
    if (delay > 0) entry.blockedUntil = Math.max(entry.blockedUntil, nowMs + delay);
    // Re-inserted so the map's order is least recently failed first.
    setMostRecent(this.#entries, key, entry, this.#maxKeys);
  }

  get size(): number {
    return this.#entries.size;
  }

  #current(key: string, nowMs: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && nowMs - entry.lastFailure > 2 * this.options.maxMs && nowMs >= entry.blockedUntil) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
