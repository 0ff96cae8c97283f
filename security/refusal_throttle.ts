/**
 * Refused WebSocket handshakes per source (an address, an IPv6 /64): a token bucket of `burst` refusals,
 * refilled at `perSecond`. Within it, each refusal is answered, logged and kept in the handshake log as usual;
 * past it the source is *quiet*: its refusals are no longer logged one by one (a summary line says how many
 * were suppressed, at most every `summaryEveryMs`), and the cheap ones (400, 404, 426) are answered 429 with
 * Retry-After. A valid handshake is never refused by this: only what would be refused anyway is throttled.
 *
 * An IPv6 source also spends from its /48's bucket, which holds PREFIX_48_SHARE times the /64's (burst and
 * rate): a /64 is out loud only while both have a token. One subscriber often holds a whole /48, and with a
 * budget per /64 alone it would get 65,536 fresh ones by rotating. IPv4 sources have no wider bucket.
 *
 * @example
 * ```ts
 * const throttle = new RefusalThrottle({ burst: 2, perSecond: 1 });
 * throttle.refused("10.0.0.9", 0).quiet; // false
 * throttle.refused("10.0.0.9", 0).quiet; // false
 * throttle.refused("10.0.0.9", 0).quiet; // true
 * ```
 */
import { backoffSource, PREFIX_48_SHARE, sourcePrefix48 } from "./auth_backoff.ts";
import { setMostRecent } from "../model/recency.ts";

export interface RefusalThrottleOptions {
  burst: number;
  perSecond: number;
  /**
   * Sources remembered at most; the least recently refused are dropped first (default 10,000). As many /48s
   * besides, kept apart: a flood of /64s cannot push its own /48 out (it is refreshed by each of them).
   */
  maxSources?: number;
  /** A quiet source's summary line at most this often (default 60 s). */
  summaryEveryMs?: number;
}

export type RefusalVerdict =
  | { quiet: false; forgotten?: Suppressed[] }
  | {
    quiet: true;
    forgotten?: Suppressed[];
    /** The budget that ran out: the source (address or /64), else its /48. Its summaries count this refusal. */
    source: string;
    /** When the source may be refused out loud again. */
    retryAfterS: number;
    /** A summary line to log now: refusals suppressed since the last one (the first: 1). */
    summary: Suppressed | null;
  };

/**
 * Refusals of `source` (an address, a /64 or a /48) suppressed since its last summary. As `forgotten` in a
 * verdict: sources dropped to make room (`maxSources`), whose counts no later summary would give.
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
  /** By source: an IPv4 address, an IPv6 /64. */
  readonly #buckets = new Map<string, Bucket>();
  /** By IPv6 /48. */
  readonly #prefixes = new Map<string, Bucket>();
  readonly #maxSources: number;
  readonly #summaryEveryMs: number;

  constructor(private readonly options: RefusalThrottleOptions) {
    this.#maxSources = options.maxSources ?? 10_000;
    this.#summaryEveryMs = options.summaryEveryMs ?? 60_000;
  }

  /** Counts one refusal of a handshake from `address`. */
  refused(address: string, nowMs: number): RefusalVerdict {
    const { burst, perSecond } = this.options;
    const forgotten: Suppressed[] = [];
    const budgets = [this.#take(this.#buckets, backoffSource(address), burst, perSecond, nowMs, forgotten)];
    const prefix = sourcePrefix48(address);
    if (prefix !== null) {
      const share = PREFIX_48_SHARE;
      budgets.push(this.#take(this.#prefixes, prefix, burst * share, perSecond * share, nowMs, forgotten));
    }
    const lost = forgotten.length > 0 ? { forgotten } : {};
    if (budgets.every(({ bucket }) => bucket.tokens >= 1)) {
      for (const { bucket } of budgets) bucket.tokens -= 1;
      return { quiet: false, ...lost };
    }
    // The narrowest budget that ran out is the one to blame (and to summarise): a /64 that spent its own is
    // not its /48's doing.
    const over = budgets.find(({ bucket }) => bucket.tokens < 1)!;
    over.bucket.suppressed++;
    let summary: Suppressed | null = null;
    if (nowMs - over.bucket.lastSummary >= this.#summaryEveryMs) {
      summary = { source: over.source, suppressed: over.bucket.suppressed };
      over.bucket.suppressed = 0;
      over.bucket.lastSummary = nowMs;
    }
    const retryAfterS = Math.max(
      ...budgets.map(({ bucket, rate }) =>
        bucket.tokens >= 1 ? 0 : rate > 0 ? Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) : 60
      ),
    );
    return { quiet: true, source: over.source, retryAfterS, summary, ...lost };
  }

  /**
   * The bucket of `source` in `buckets`, refilled up to `now` (a new one full), as the most recent; a source
   * dropped to make room is added to `forgotten` when it had refusals suppressed.
   */
  #take(
    buckets: Map<string, Bucket>,
    source: string,
    burst: number,
    rate: number,
    nowMs: number,
    forgotten: Suppressed[],
  ): { source: string; bucket: Bucket; rate: number } {
    const known = buckets.get(source);
    const bucket = known ?? { tokens: burst, last: nowMs, suppressed: 0, lastSummary: -Infinity };
    const oldest = !known && buckets.size >= this.#maxSources ? buckets.entries().next().value : undefined;
    if (oldest && oldest[1].suppressed > 0) {
      forgotten.push({ source: oldest[0], suppressed: oldest[1].suppressed });
    }
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, nowMs - bucket.last) / 1000 * rate);
    bucket.last = nowMs;
    // Re-inserted so the map's order is least recently refused first.
    setMostRecent(buckets, source, bucket, this.#maxSources);
    return { source, bucket, rate };
  }

  /** How often a quiet source's summary is due. */
  get summaryEveryMs(): number {
    return this.#summaryEveryMs;
  }

  /** Whether some source has refusals suppressed since its last summary. */
  get pending(): boolean {
    for (const buckets of [this.#buckets, this.#prefixes]) {
      for (const bucket of buckets.values()) if (bucket.suppressed > 0) return true;
    }
    return false;
  }

  /**
   * The summaries due now of sources that went quiet after their last one (the tail of a flood, which no
   * later refusal would report); `all`: every source with refusals suppressed (at shutdown). Counted as sent.
   */
  dueSummaries(nowMs: number, all = false): Suppressed[] {
    const out: Suppressed[] = [];
    for (const buckets of [this.#buckets, this.#prefixes]) {
      for (const [source, bucket] of buckets) {
        if (bucket.suppressed === 0 || (!all && nowMs - bucket.lastSummary < this.#summaryEveryMs)) continue;
        out.push({ source, suppressed: bucket.suppressed });
        bucket.suppressed = 0;
        bucket.lastSummary = nowMs;
      }
    }
    return out;
  }
}
