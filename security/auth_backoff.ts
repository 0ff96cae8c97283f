/**
 * Growing back-off after failed authentication, per key: the first `freeFailures` cost nothing, then each
 * failure doubles the wait from `baseMs` up to `maxMs`. A key is always a source together with what it tried
 * (`backoffKey(source, "cp", id)`, `backoffKey(source, "user", name)`), so one source's failures never hold
 * back the right credentials from another source.
 *
 * `AuthBackoff` is the interface (asynchronous, so a cluster can later keep the counts in its shared store);
 * `MemoryAuthBackoff` keeps them in this process, bounded in size. A key that stays quiet for twice `maxMs`
 * is forgotten.
 *
 * @example
 * ```ts
 * const backoff = new MemoryAuthBackoff({ freeFailures: 1, baseMs: 1000, maxMs: 60_000 });
 * const key = backoffKey("10.0.0.9", "cp", "CP-1");
 * await backoff.failed(key, 0); // 0: the free failure
 * await backoff.failed(key, 0); // 1000
 * await backoff.retryAfterMs(key, 500); // 500
 * ```
 */
import { parseIp } from "./ip_list.ts";
import { setMostRecent } from "../model/recency.ts";

export interface AuthBackoff {
  /** How long until `key` may try again (0: now). */
  retryAfterMs(key: string, nowMs: number): Promise<number>;
  /** Records a failure; returns the wait it imposed (0 while failures are free). */
  failed(key: string, nowMs: number): Promise<number>;
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

  failed(key: string, nowMs: number): Promise<number> {
    const entry = this.#current(key, nowMs) ?? { failures: 0, blockedUntil: 0, lastFailure: nowMs };
    entry.failures++;
    entry.lastFailure = nowMs;
    let wait = 0;
    const over = entry.failures - this.options.freeFailures;
    if (over > 0) {
      const delay = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(over - 1, 40));
      entry.blockedUntil = Math.max(entry.blockedUntil, nowMs + delay);
      wait = entry.blockedUntil - nowMs;
    }
    // Re-inserted so the map's order is least recently failed first.
    setMostRecent(this.#entries, key, entry, this.#maxKeys);
    return Promise.resolve(wait);
  }

  succeeded(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
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
