/**
 * Runs the real server (`main.ts`, unchanged) with the benchmark's probes added. They add no route and no
 * timer:
 *
 * - SIGUSR2: a full garbage collection (when started with `--v8-flags=--expose-gc`), then one stderr line
 *   `BENCH_MEMORY {"rss":...,"heapTotal":...,"heapUsed":...,"external":...,"gcMs":...}`. `ps`/`/proc` give
 *   RSS from outside; the V8 heap only the process itself can see.
 * - With BENCH_CPU_PROFILE=<dir>: the V8 CPU profiler runs from start-up; SIGUSR1 writes the profile so far
 *   to `<dir>/<n>.cpuprofile` (n = 1, 2, ...), prints `BENCH_PROFILE <path>` on stderr and starts a new one,
 *   so the benchmark gets one profile per phase. Profiling slows the server: use it to attribute, not to
 *   measure.
 */
import { Session } from "node:inspector";

Deno.addSignalListener("SIGUSR2", () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const started = performance.now();
  gc?.();
  const gcMs = performance.now() - started;
  console.error(`BENCH_MEMORY ${JSON.stringify({ ...Deno.memoryUsage(), gcMs })}`);
});

const profileDir = Deno.env.get("BENCH_CPU_PROFILE");
if (profileDir) {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(
        method,
        params,
        (error: unknown, result: unknown) => error ? reject(error) : resolve(result),
      )
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 500 });
  await post("Profiler.start");
  let n = 0;
  Deno.addSignalListener("SIGUSR1", async () => {
    const { profile } = await post("Profiler.stop") as { profile: unknown };
    const path = `${profileDir}/${++n}.cpuprofile`;
    await Deno.writeTextFile(path, JSON.stringify(profile));
    await post("Profiler.start");
    console.error(`BENCH_PROFILE ${path}`);
  });
}

await import("../main.ts");
