/**
 * Refused WebSocket handshakes per source (an address, an IPv6 /64): a token bucket of `burst` refusals,
 * refilled at `perSecond`. Within it, each refusal is answered, logged and kept in the handshake log as usual;
 * past it the source is *quiet*: its refusals are no longer logged one by one (a summary line says how many
 * were suppressed, at most every `summaryEveryMs`), and the cheap ones (400, 404, 426) are answered 429 with
 * Retry-After. A valid handshake is never refused by this: only what would be refused anyway is throttled.
 *
 * @example
 * ```ts
 * const throttle = new RefusalThrottle({ burst: 2, perSecond: 1 });
 * throttle.refused("10.0.0.9", 0).quiet; // false
 * throttle.refused("10.0.0.9", 0).quiet; // false
 * throttle.refused("10.0.0.9", 0).quiet; // true
 * ```
 */
import { backoffSource } from "./auth_backoff.ts";
import { setMostRecent } from "../model/recency.ts";

export interface RefusalThrottleOptions {
  burst: number;
  perSecond: number;
  /** Sources remembered at most; the least recently refused are dropped first (default 10,000). */
  maxSources?: number;
  /** A quiet source's summary line at most this often (default 60 s). */
  summaryEveryMs?: number;
}

export type RefusalVerdict =
  | { quiet: false; forgotten?: Suppressed }
  | {
    quiet: true;
    forgotten?: Suppressed;
    /** When the source may be refused out loud again. */
    retryAfterS: number;
    /** A summary line to log now: refusals suppressed since the last one (the first: 1). */
    summary: Suppressed | null;
  };

/**
 * Refusals of `source` suppressed since its last summary. As `forgotten` in a verdict: a source dropped to
 * make room (`maxSources`), whose count no later summary would give.
 */
export interface Suppressed {
  source: string;
  suppressed: number;
}

interface Bucket {
  tokens: number;
  last: number;
  suppressed: number;
  lastSummary: number;
}

export class RefusalThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxSources: number;
  readonly #summaryEveryMs: number;

  constructor(private readonly options: RefusalThrottleOptions) {
    this.#maxSources = options.maxSources ?? 10_000;
    this.#summaryEveryMs = options.summaryEveryMs ?? 60_000;
  }

  /** Counts one refusal of a handshake from `address`. */
  refused(address: string, nowMs: number): RefusalVerdict {
    const source = backoffSource(address);
    const { burst, perSecond } = this.options;
    const known = this.#buckets.get(source);
    const bucket = known ?? { tokens: burst, last: nowMs, suppressed: 0, lastSummary: -Infinity };
    const oldest = !known && this.#buckets.size >= this.#maxSources
      ? this.#buckets.entries().next().value
      : undefined;
    const forgotten = oldest && oldest[1].suppressed > 0
      ? { forgotten: { source: oldest[0], suppressed: oldest[1].suppressed } }
      : {};
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, nowMs - bucket.last) / 1000 * perSecond);
    bucket.last = nowMs;
    // Re-inserted so the map's order is least recently refused first.
    setMostRecent(this.#buckets, source, bucket, this.#maxSources);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { quiet: false, ...forgotten };
    }
    bucket.suppressed++;
    let summary: { source: string; suppressed: number } | null = null;
    if (nowMs - bucket.lastSummary >= this.#summaryEveryMs) {
      summary = { source, suppressed: bucket.suppressed };
      bucket.suppressed = 0;
      bucket.lastSummary = nowMs;
    }
    const retryAfterS = perSecond > 0 ? Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) : 60;
    return { quiet: true, retryAfterS, summary, ...forgotten };
  }

  /** How often a quiet source's summary is due. */
  get summaryEveryMs(): number {
    return this.#summaryEveryMs;
  }

  /** Whether some source has refusals suppressed since its last summary. */
  get pending(): boolean {
    for (const bucket of this.#buckets.values()) if (bucket.suppressed > 0) return true;
    return false;
  }

  /**
   * The summaries due now of sources that went quiet after their last one (the tail of a flood, which no
   * later refusal would report); `all`: every source with refusals suppressed (at shutdown). Counted as sent.
   */
  dueSummaries(nowMs: number, all = false): { source: string; suppressed: number }[] {
    const out: { source: string; suppressed: number }[] = [];
    for (const [source, bucket] of this.#buckets) {
      if (bucket.suppressed === 0 || (!all && nowMs - bucket.lastSummary < this.#summaryEveryMs)) continue;
      out.push({ source, suppressed: bucket.suppressed });
      bucket.suppressed = 0;
      bucket.lastSummary = nowMs;
    }
    return out;
  }
}
