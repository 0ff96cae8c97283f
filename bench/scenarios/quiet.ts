/**
 * Waits, before a window, until the run's servers are done with what earlier windows left them (a KV server
 * applies its meter journal for seconds after a saturation window; PostgreSQL's servers flush): they share
 * core 1 with the server about to be measured, which would otherwise pay for them.
 */
import { readCpuS } from "../proc.ts";
import { sleep } from "../timeline.ts";

/** A sample: every process under `busyCores` (CPU seconds per second) over `sampleMs`. */
export interface QuietOptions {
  sampleMs: number;
  busyCores: number;
  /** Consecutive quiet samples needed. */
  quietSamples: number;
  maxWaitMs: number;
}

export const DEFAULT_QUIET: QuietOptions = {
  sampleMs: 250,
  busyCores: 0.05,
  quietSamples: 2,
  maxWaitMs: 30_000,
};

/**
 * Resolves when every pid was quiet for `quietSamples` samples in a row, or after `maxWaitMs`: how long it
 * waited and the busiest pid's CPU (cores) in the last sample.
 */
export async function waitForQuiet(
  pids: readonly number[],
  options: QuietOptions = DEFAULT_QUIET,
): Promise<{ waitedMs: number; quiet: boolean; lastBusiestCores: number }> {
  const started = performance.now();
  let quietInRow = 0;
  let busiest = 0;
  let before = pids.map((pid) => readCpuS(pid) ?? 0);
  while (performance.now() - started < options.maxWaitMs) {
    await sleep(options.sampleMs);
    const now = pids.map((pid) => readCpuS(pid) ?? 0);
    busiest = Math.max(0, ...now.map((s, i) => (s - before[i]!) / (options.sampleMs / 1000)));
    before = now;
    quietInRow = busiest < options.busyCores ? quietInRow + 1 : 0;
    if (quietInRow >= options.quietSamples) {
      return { waitedMs: Math.round(performance.now() - started), quiet: true, lastBusiestCores: busiest };
    }
  }
  return { waitedMs: Math.round(performance.now() - started), quiet: false, lastBusiestCores: busiest };
}
