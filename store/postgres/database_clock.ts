/**
 * This process's times on PostgreSQL's clock, for the times the command log stores: nodes whose clocks differ
 * (NTP-sized skew, or worse) write one station's commands on one clock, so they list in the order they were
 * sent. The offset is measured by a round trip now and then (PostgreSQL's `clock_timestamp()` between two
 * readings of this process's clock): 0 while the round trip cannot tell the clocks apart (one host, or clocks
 * closer than the round trip), else the middle of what it allows.
 *
 * @example
 * ```ts ignore
 * const clock = new DatabaseClock(sql);
 * await clock.measure();
 * clock.toDatabase("2026-12-07T09:00:00.000Z"); // the same instant on PostgreSQL's clock
 * ```
 */
import type { Sql } from "postgres";

/** How often the offset is measured again (a clock stepped by NTP, say). */
const MEASURE_EVERY_MS = 60_000;

export class DatabaseClock {
  /** PostgreSQL's clock minus this process's (ms). */
  #offsetMs = 0;
  /** When it was last measured (performance clock: a stepped wall clock does not delay the next). */
  #measuredAt = Number.NEGATIVE_INFINITY;
  #measuring: Promise<void> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** `iso`, a time of this process's clock, on PostgreSQL's (as last measured; measured again when due). */
  toDatabase(iso: string): string {
    if (performance.now() - this.#measuredAt >= MEASURE_EVERY_MS) void this.measure();
    return this.#offsetMs === 0 ? iso : new Date(Date.parse(iso) + this.#offsetMs).toISOString();
  }

  /** PostgreSQL's clock minus this process's (ms), as last measured. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Measures the offset (one at a time); a failed measurement keeps the last one. */
  measure(): Promise<void> {
    this.#measuring ??= (async () => {
      try {
        const before = this.now();
        const [row] = await this.sql<{ ms: number }[]>`
          select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`;
        const after = this.now();
        // Whole milliseconds on this side: the readings may each be up to 1 ms behind the instant.
        this.#offsetMs = offsetWithin(row!.ms - (after + 1), row!.ms - before);
        this.#measuredAt = performance.now();
      } catch {
        // The store's own calls report an unreachable database; the times keep the last offset.
      } finally {
        this.#measuring = null;
      }
    })();
    return this.#measuring;
  }

  /** Waits for a measurement on its way (a store that closes its pool). */
  async settled(): Promise<void> {
    await this.#measuring;
  }
}

/** The offset a round trip allows (between `lowest` and `highest`): 0 when that may be, else its middle. */
export function offsetWithin(lowest: number, highest: number): number {
  if (lowest <= 0 && highest >= 0) return 0;
  return Math.round((lowest + highest) / 2);
}
