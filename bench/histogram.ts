/**
 * A fixed-size latency histogram: log-spaced buckets (16 per doubling, about 4.4% wide) from 1 µs to about
 * 100 s. Load generators record into one each and send the counts to the parent, which merges them; no
 * sample list grows with the message rate.
 *
 * @example
 * ```ts
 * const h = new Histogram();
 * h.record(1.5); // milliseconds
 * h.record(12);
 * console.log(h.percentile(0.99)); // about 12
 * ```
 */
const PER_DOUBLING = 16;

/** Percentiles, max and mean in milliseconds (null when nothing was recorded), as reports show them. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** What a histogram sends over a pipe: its bucket counts, plus the max and the sum for the mean. */
export interface HistogramJson {
  counts: number[];
  maxMs: number;
  sumMs: number;
}
const BUCKETS = PER_DOUBLING * 27; // 2^27 µs is about 134 s

export class Histogram {
  readonly counts: number[];
  count = 0;
  maxMs = 0;
  sumMs = 0;

  constructor(counts?: readonly number[]) {
    this.counts = new Array<number>(BUCKETS).fill(0);
    if (counts) this.add(counts);
  }

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log2(us) * PER_DOUBLING));
    this.counts[index]!++;
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Adds another histogram's bucket counts (from `toJSON().counts`). */
  add(counts: readonly number[], extra?: { maxMs: number; sumMs: number }): void {
    for (let i = 0; i < BUCKETS; i++) {
      const c = counts[i] ?? 0;
      this.counts[i]! += c;
      this.count += c;
    }
    if (extra) {
      this.sumMs += extra.sumMs;
      this.maxMs = Math.max(this.maxMs, extra.maxMs);
    }
  }

  /** Adds a histogram received from another process. */
  merge(json: HistogramJson): this {
    this.add(json.counts, json);
    return this;
  }

  /** The latency (ms) below which `q` (0..1) of the samples fall: the geometric middle of its bucket. */
  percentile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, 2 ** ((i + 0.5) / PER_DOUBLING) / 1000);
    }
    return this.maxMs;
  }

  get meanMs(): number | null {
    return this.count === 0 ? null : this.sumMs / this.count;
  }

  toJSON(): HistogramJson {
    return { counts: this.counts, maxMs: this.maxMs, sumMs: this.sumMs };
  }

  /** p50/p95/p99/max/mean rounded to 0.01 ms, for reports. */
  summary(): LatencySummary {
    const r = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      count: this.count,
      p50: r(this.percentile(0.5)),
      p95: r(this.percentile(0.95)),
      p99: r(this.percentile(0.99)),
      max: r(this.count ? this.maxMs : null),
      mean: r(this.meanMs),
    };
  }
}
