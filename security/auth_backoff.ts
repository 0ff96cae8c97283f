/**
 * Growing back-off after failed authentication, per key (a source address, a charge point id, a username):
 * the first `freeFailures` cost nothing, then each failure doubles the wait from `baseMs` up to `maxMs`.
 * A key that stays quiet for twice `maxMs` is forgotten. In memory, per process, bounded in size.
 *
 * @example
 * ```ts
 * const backoff = new AuthBackoff({ freeFailures: 1, baseMs: 1000, maxMs: 60_000 });
 * backoff.failed(["ip:10.0.0.9"], 0); // 0: the free failure
 * backoff.failed(["ip:10.0.0.9"], 0); // 1000
 * backoff.retryAfterMs(["ip:10.0.0.9"], 500); // 500
 * ```
 */
export interface AuthBackoffOptions {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
  /** Keys remembered at most; the least recently failed are dropped first. */
  maxKeys?: number;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export class AuthBackoff {
  readonly #entries = new Map<string, Entry>();
  readonly #maxKeys: number;

  constructor(private readonly options: AuthBackoffOptions) {
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** How long until every key may try again (0: now). */
  retryAfterMs(keys: readonly string[], nowMs: number): number {
    let wait = 0;
    for (const key of keys) {
      const entry = this.#current(key, nowMs);
      if (entry) wait = Math.max(wait, entry.blockedUntil - nowMs);
    }
    return Math.max(0, wait);
  }

  /** Records a failure for every key; returns the longest wait it imposed. */
  failed(keys: readonly string[], nowMs: number): number {
    let wait = 0;
    for (const key of keys) {
      const entry = this.#current(key, nowMs) ?? { failures: 0, blockedUntil: 0, lastFailure: nowMs };
      entry.failures++;
      entry.lastFailure = nowMs;
      const over = entry.failures - this.options.freeFailures;
      if (over > 0) {
        const delay = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(over - 1, 40));
        entry.blockedUntil = Math.max(entry.blockedUntil, nowMs + delay);
        wait = Math.max(wait, entry.blockedUntil - nowMs);
      }
      // Re-inserted so the map's order is least recently failed first.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    while (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return wait;
  }

  /** A success clears the keys' history. */
  succeeded(keys: readonly string[]): void {
    for (const key of keys) this.#entries.delete(key);
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
