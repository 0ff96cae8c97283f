/**
 * The event-loop lag probe every benchmarked server carries (ours through `server_probe.ts`, the peers
 * directly): a timer every `periodMs` records how late it fires, so a window's lag histogram says how long a
 * frame that arrived at a random moment waited for the JavaScript thread (a long synchronous turn, a GC pause,
 * the thread waiting for its core). On SIGWINCH one stderr line `BENCH_LAG {count,p50,p95,p99,max,mean}` (ms)
 * covers the time since the previous one. One timer, 100 wake-ups a second at the default period: far below
 * the load it measures.
 *
 * @example
 * ```ts
 * import { LoopLag } from "./loop_lag.ts";
 *
 * const lag = new LoopLag(10, 0);
 * lag.tick(10.2); // on time
 * lag.tick(45); // fired 24.8 ms late
 * lag.cut().max; // 24.8
 * ```
 */
import { Histogram, type LatencySummary } from "./histogram.ts";

export const LAG_LINE = "BENCH_LAG ";

export class LoopLag {
  #histogram = new Histogram();
  #last: number;

  constructor(readonly periodMs: number, now: number) {
    this.#last = now;
  }

  /** The timer fired at `now` (ms): records how much later than one period after the previous firing. */
  tick(now: number): void {
    this.#histogram.record(Math.max(0, now - this.#last - this.periodMs));
    this.#last = now;
  }

  /** The lateness since the previous cut, and a new histogram from here. */
  cut(): LatencySummary {
    const summary = this.#histogram.summary();
    this.#histogram = new Histogram();
    return summary;
  }
}

export function installLoopLagProbe(periodMs = 10): void {
  const lag = new LoopLag(periodMs, performance.now());
  setInterval(() => lag.tick(performance.now()), periodMs);
  Deno.addSignalListener("SIGWINCH", () => console.error(`${LAG_LINE}${JSON.stringify(lag.cut())}`));
}
