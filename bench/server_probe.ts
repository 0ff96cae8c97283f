/**
 * Runs the real server (`main.ts`, unchanged) with the benchmark's probes added. They add no route and one
 * timer (the lag probe's):
 *
 * - SIGUSR2: a full GC and one `BENCH_MEMORY` line on stderr (see `memory_probe.ts`).
 * - SIGWINCH: one `BENCH_LAG` line on stderr, the event-loop lag since the previous one (see `loop_lag.ts`).
 * - With BENCH_CPU_PROFILE=<dir>: the V8 CPU profiler runs from start-up; SIGUSR1 writes the profile so far
 *   to `<dir>/<n>.cpuprofile` (n = 1, 2, ...), prints `BENCH_PROFILE <path>` on stderr and starts a new one,
 *   so the benchmark gets one profile per phase. Profiling slows the server: use it to attribute, not to
 *   measure.
 */
import { Session } from "node:inspector";
import { installLoopLagProbe } from "./loop_lag.ts";
import { installMemoryProbe } from "./memory_probe.ts";

installMemoryProbe();
installLoopLagProbe();

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
