/**
 * Pings every open station socket once per interval, a slice at a time. Pinging all of them in one turn of
 * the event loop blocked it for as long as thousands of writes (and then their pongs) take: with 2,000
 * stations at 5,000 msgs/s, pings every 2 s doubled the p99 of the answers (bench/README.md, nineteenth
 * round), and a fleet of 10,000 saw that stall once a minute. A round walks the sockets in the order they
 * opened, `ceil(size / slices)` per tick, so a socket's pings stay about an interval apart; a round begins
 * no sooner than an interval after the one before, whatever its size did meanwhile.
 *
 * @example
 * ```ts
 * const sockets = new Set([{ ping() {} }]);
 * const rounds = new PingRounds(sockets, 60_000);
 * rounds.tick(0); // pings the first slice; call it every `rounds.tickMs`
 * ```
 */

/** A slice's spacing: short enough that a slice of a large fleet is small, long enough to be one timer. */
const SLICE_MS = 1000;

export class PingRounds<T extends { ping(): void }> {
  /** How often `tick` is to be called. */
  readonly tickMs: number;
  #round: Iterator<T> | null = null;
  #roundStartedMs = -Infinity;

  constructor(private readonly sockets: Set<T>, private readonly intervalMs: number) {
    this.tickMs = Math.min(SLICE_MS, intervalMs);
  }

  /** Pings this tick's slice of the round (starting a round when one is due); returns how many it pinged. */
  tick(nowMs: number): number {
    const slice = Math.ceil(this.sockets.size * this.tickMs / this.intervalMs);
    let pinged = 0;
    while (pinged < slice) {
      if (this.#round === null) {
        if (nowMs - this.#roundStartedMs < this.intervalMs) break;
        // A Set's iterator is live: sockets that close are skipped, and ones that open join this round.
        this.#round = this.sockets.values();
        this.#roundStartedMs = nowMs;
      }
      const next = this.#round.next();
      if (next.done) {
        // The round ended; the next may be due already (its slice then goes on in this tick).
        this.#round = null;
        if (this.#roundStartedMs === nowMs) break;
        continue;
      }
      next.value.ping();
      pinged++;
    }
    return pinged;
  }
}
