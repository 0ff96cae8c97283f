/**
 * The memory probe every benchmarked server carries (ours through `server_probe.ts`, the peers directly): on
 * SIGUSR2 a full garbage collection (when started with `--v8-flags=--expose-gc`), then one stderr line
 * `BENCH_MEMORY {"rss":...,"heapTotal":...,"heapUsed":...,"external":...,"gcMs":...}`. `/proc` gives RSS from
 * outside; the V8 heap only the process itself can see. No route, no timer (the lag probe beside it,
 * `loop_lag.ts`, has one).
 */
export const MEMORY_LINE = "BENCH_MEMORY ";

export function installMemoryProbe(): void {
  Deno.addSignalListener("SIGUSR2", () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const started = performance.now();
    gc?.();
    const gcMs = performance.now() - started;
    console.error(`${MEMORY_LINE}${JSON.stringify({ ...Deno.memoryUsage(), gcMs })}`);
  });
}
