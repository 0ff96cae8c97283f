/**
 * Runs the real server (`main.ts`, unchanged) with one benchmark probe added: on SIGUSR2 it runs a full
 * garbage collection (when started with `--v8-flags=--expose-gc`) and prints one stderr line
 * `BENCH_MEMORY {"rss":...,"heapTotal":...,"heapUsed":...,"external":...}`. The probe adds no route and no
 * timer; `ps`/`/proc` give RSS from outside, this gives the V8 heap, which only the process itself can see.
 */
Deno.addSignalListener("SIGUSR2", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const started = performance.now();
  gc?.();
  const gcMs = performance.now() - started;
  console.error(`BENCH_MEMORY ${JSON.stringify({ ...Deno.memoryUsage(), gcMs })}`);
});

await import("../main.ts");
