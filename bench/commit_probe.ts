/**
 * The group commits of a benchmarked server, per window: with `BENCH_COMMIT_LOG=<file>` (ours only, through
 * `server_probe.ts`), each SIGWINCH (the benchmark sends one at each window's start and end) appends one JSON
 * line to the file: how many group commits ended since the previous line, their size (callers) and duration
 * (ms) p50 / p99 / max, and the slowest few as [ms, callers]. It says whether a window's p99 is the commit's
 * (slow commits of the usual size: the database), the queue's (large commits: writes that waited for a slot)
 * or neither (the event loop). Attribution only: not part of any figure.
 *
 * @example
 * ```ts
 * import { CommitLog } from "./commit_probe.ts";
 *
 * const log = new CommitLog();
 * log.record({ size: 4, seconds: 0.003, ok: true });
 * log.cut().commits; // 1
 * ```
 */
import type { CommitObserver } from "../store/group_commit.ts";
import { PrometheusMetrics } from "../metrics/prometheus.ts";
import { Histogram, type LatencySummary } from "./histogram.ts";

/** What the log keeps of a commit (the metric is told the same). */
type Batch = Pick<Parameters<CommitObserver>[0], "size" | "seconds" | "ok">;

export interface CommitWindow {
  commits: number;
  failed: number;
  /** Callers per commit (the histogram's "ms" are callers here). */
  callers: LatencySummary;
  ms: LatencySummary;
  /** The slowest commits of the window: [ms, callers]. */
  slowest: [number, number][];
}

export class CommitLog {
  #callers = new Histogram();
  #ms = new Histogram();
  #failed = 0;
  #slowest: [number, number][] = [];

  record(batch: Batch): void {
    const ms = batch.seconds * 1000;
    this.#callers.record(batch.size);
    this.#ms.record(ms);
    if (!batch.ok) this.#failed++;
    if (this.#slowest.length < 8 || ms > this.#slowest[this.#slowest.length - 1]![0]) {
      this.#slowest.push([Math.round(ms * 10) / 10, batch.size]);
      this.#slowest.sort((a, b) => b[0] - a[0]);
      this.#slowest.length = Math.min(this.#slowest.length, 8);
    }
  }

  /** The commits since the previous cut, and a fresh log from here. */
  cut(): CommitWindow {
    const window = {
      commits: this.#ms.count,
      failed: this.#failed,
      callers: this.#callers.summary(),
      ms: this.#ms.summary(),
      slowest: this.#slowest,
    };
    this.#callers = new Histogram();
    this.#ms = new Histogram();
    this.#failed = 0;
    this.#slowest = [];
    return window;
  }
}

/**
 * Taps the server's commit metric (main.ts hands every group commit to `PrometheusMetrics.storeCommitted`):
 * the probe wraps that method before main.ts is imported, so the server itself stays unchanged.
 */
export function installCommitProbe(path: string): void {
  const log = new CommitLog();
  const observe = PrometheusMetrics.prototype.storeCommitted;
  PrometheusMetrics.prototype.storeCommitted = function storeCommitted(batch) {
    log.record(batch);
    observe.call(this, batch);
  };
  Deno.addSignalListener("SIGWINCH", () => {
    const line = JSON.stringify({ at: new Date().toISOString(), ...log.cut() });
    Deno.writeTextFileSync(path, `${line}\n`, { append: true });
  });
}
