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
import { SourceBuckets, type TokenBucket, waitMs } from "./source_buckets.ts";

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

interface Bucket extends TokenBucket {
  suppressed: number;
  lastSummary: number;
}

export class RefusalThrottle {
  readonly #buckets: SourceBuckets<Bucket>;
  readonly #summaryEveryMs: number;
  /** Sources dropped to make room since the last verdict, with refusals no summary gave yet. */
  #forgotten: Suppressed[] = [];

  constructor(options: RefusalThrottleOptions) {
    this.#buckets = new SourceBuckets<Bucket>(
      {
        burst: options.burst,
        perSecond: options.perSecond,
        ...(options.maxSources !== undefined ? { maxSources: options.maxSources } : {}),
      },
      () => ({ suppressed: 0, lastSummary: -Infinity }),
      (source, bucket) => {
        if (bucket.suppressed > 0) this.#forgotten.push({ source, suppressed: bucket.suppressed });
      },
    );
    this.#summaryEveryMs = options.summaryEveryMs ?? 60_000;
  }

  /** Counts one refusal of a handshake from `address`. */
  refused(address: string, nowMs: number): RefusalVerdict {
    const budgets = this.#buckets.budgets(address, nowMs);
    const lost = this.#forgotten.length > 0 ? { forgotten: this.#forgotten.splice(0) } : {};
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
      summary = { source: over.key, suppressed: over.bucket.suppressed };
      over.bucket.suppressed = 0;
      over.bucket.lastSummary = nowMs;
    }
    const retryAfterS = Math.max(1, Math.ceil(waitMs(budgets) / 1000));
    return { quiet: true, source: over.key, retryAfterS, summary, ...lost };
  }

  /** How often a quiet source's summary is due. */
  get summaryEveryMs(): number {
    return this.#summaryEveryMs;
  }

  /** Whether some source has refusals suppressed since its last summary. */
  get pending(): boolean {
    for (const [, bucket] of this.#buckets.entries()) if (bucket.suppressed > 0) return true;
    return false;
  }

  /**
   * The summaries due now of sources that went quiet after their last one (the tail of a flood, which no
   * later refusal would report); `all`: every source with refusals suppressed (at shutdown). Counted as sent.
   */
  dueSummaries(nowMs: number, all = false): Suppressed[] {
    const out: Suppressed[] = [];
    for (const [source, bucket] of this.#buckets.entries()) {
      if (bucket.suppressed === 0 || (!all && nowMs - bucket.lastSummary < this.#summaryEveryMs)) continue;
      out.push({ source, suppressed: bucket.suppressed });
      bucket.suppressed = 0;
      bucket.lastSummary = nowMs;
    }
    return out;
  }
}
