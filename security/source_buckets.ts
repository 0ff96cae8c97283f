/**
 * Token buckets per source (`SourceSlots`' sources): an IPv4 address or an IPv6 /64 has a bucket of `burst`
 * refilled at `perSecond`, and an IPv6 /48 one of PREFIX_48_SHARE times both over its /64s, so rotating /64s
 * buys 16 budgets, not 65,536. The least recently used are forgotten first, sources and /48s apart (a flood of
 * /64s cannot push its own /48 out: each of them refreshes it). In memory, per process.
 *
 * @example
 * ```ts
 * import { SourceBuckets, waitMs } from "./source_buckets.ts";
 * const buckets = new SourceBuckets({ burst: 1, perSecond: 0.5 }, () => ({}));
 * const budgets = buckets.budgets("203.0.113.9", 0);
 * for (const { bucket } of budgets) bucket.tokens -= 1;
 * waitMs(buckets.budgets("203.0.113.9", 0)); // 2000
 * ```
 */
import { backoffSource, PREFIX_48_SHARE, sourcePrefix48 } from "./auth_backoff.ts";
import { setMostRecent } from "../model/recency.ts";
import { refilledTokens, waitForToken } from "./shared_failure_budgets.ts";

export interface TokenBucket {
  tokens: number;
  last: number;
}

/** One budget of an address: its source's or its /48's bucket, with the bucket's size and rate. */
export interface Budget<B extends TokenBucket> {
  key: string;
  bucket: B;
  burst: number;
  rate: number;
}

export interface SourceBucketOptions {
  burst: number;
  perSecond: number;
  /** Sources remembered at most, and as many /48s besides (default 10,000). */
  maxSources?: number;
}

export class SourceBuckets<B extends TokenBucket> {
  readonly #sources = new Map<string, B>();
  readonly #prefixes = new Map<string, B>();
  readonly #maxSources: number;

  /**
   * `extra`: what a new bucket holds besides its tokens; `evicted`: told of a bucket forgotten to make room
   * (before it goes).
   */
  constructor(
    private readonly options: SourceBucketOptions,
    private readonly extra: () => Omit<B, keyof TokenBucket>,
    private readonly evicted?: (key: string, bucket: B) => void,
  ) {
    this.#maxSources = options.maxSources ?? 10_000;
  }

  /** The budgets of `address`, its source's first, refilled up to `nowMs` (new ones full), as the most recent. */
  budgets(address: string, nowMs: number): Budget<B>[] {
    const { burst, perSecond } = this.options;
    const out = [this.#take(this.#sources, backoffSource(address), burst, perSecond, nowMs)];
    const prefix = sourcePrefix48(address);
    if (prefix !== null) {
      const share = PREFIX_48_SHARE;
      out.push(this.#take(this.#prefixes, prefix, burst * share, perSecond * share, nowMs));
    }
    return out;
  }

  /** Every bucket held (sources, then /48s). */
  *entries(): IterableIterator<[string, B]> {
    yield* this.#sources;
    yield* this.#prefixes;
  }

  #take(buckets: Map<string, B>, key: string, burst: number, rate: number, nowMs: number): Budget<B> {
    const known = buckets.get(key);
    const bucket = known ?? ({ ...this.extra(), tokens: burst, last: nowMs } as B);
    if (!known && this.evicted && buckets.size >= this.#maxSources) {
      const [oldKey, old] = buckets.entries().next().value!;
      this.evicted(oldKey, old);
    }
    bucket.tokens = refilledTokens({ tokens: bucket.tokens, atMs: bucket.last }, { burst, rate }, nowMs);
    bucket.last = nowMs;
    // Re-inserted so the map's order is least recently used first.
    setMostRecent(buckets, key, bucket, this.#maxSources);
    return { key, bucket, burst, rate };
  }
}

/** How long until every budget holds a token again (0: they all do; 60 s for a bucket that never refills). */
export function waitMs(budgets: readonly Budget<TokenBucket>[]): number {
  return Math.max(0, ...budgets.map(({ bucket, rate }) => waitForToken(bucket.tokens, rate)));
}
