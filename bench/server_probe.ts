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
 * - With BENCH_HEAP_PROFILE=<dir>: V8's sampling heap profiler runs from start-up, weighing what outlives the
 *   young generation (see `heap_sampler.ts`); SIGUSR1 writes the profile so far to `<dir>/<n>.heapprofile`,
 *   prints `BENCH_PROFILE <path>` on stderr as the CPU profiler does, and starts a new one (use one of the two).
 * - With BENCH_HEAP_SNAPSHOT=<dir>: SIGUSR1 writes a heap snapshot to `<dir>/<n>.heapsnapshot` (for
 *   DevTools: what holds the objects a heap profile found promoted).
 * - With BENCH_COMMIT_LOG=<file>: each SIGWINCH also appends the group commits since the previous one (sizes,
 *   durations) to that file (see `commit_probe.ts`).
 */
import { CpuProfiler } from "./cpu_profiler.ts";
import { HeapSampler } from "./heap_sampler.ts";
import { installCommitProbe } from "./commit_probe.ts";
import { installLoopLagProbe } from "./loop_lag.ts";
import { installMemoryProbe } from "./memory_probe.ts";

installMemoryProbe();
installLoopLagProbe();
const commitLog = Deno.env.get("BENCH_COMMIT_LOG");
if (commitLog) installCommitProbe(commitLog);

const profileDir = Deno.env.get("BENCH_CPU_PROFILE");
if (profileDir) {
  const profiler = await CpuProfiler.start(500);
  let n = 0;
  Deno.addSignalListener("SIGUSR1", async () => {
    const profile = await profiler.stop();
    const path = `${profileDir}/${++n}.cpuprofile`;
    await Deno.writeTextFile(path, JSON.stringify(profile));
    await profiler.resume();
    console.error(`BENCH_PROFILE ${path}`);
  });
}

const heapDir = Deno.env.get("BENCH_HEAP_PROFILE");
if (heapDir) {
  const interval = 16 * 1024;
  const sampler = await HeapSampler.start(interval);
  let n = 0;
  Deno.addSignalListener("SIGUSR1", async () => {
    const profile = await sampler.cut(interval);
    const path = `${heapDir}/${++n}.heapprofile`;
    await Deno.writeTextFile(path, JSON.stringify(profile));
    // The CPU profiler's answer: the benchmark's `cutProfile()` waits for it either way.
    console.error(`BENCH_PROFILE ${path}`);
  });
}

const snapshotDir = Deno.env.get("BENCH_HEAP_SNAPSHOT");
if (snapshotDir) {
  const { writeHeapSnapshot } = await import("node:v8");
  let n = 0;
  Deno.addSignalListener("SIGUSR1", () => {
    const path = writeHeapSnapshot(`${snapshotDir}/${++n}.heapsnapshot`);
    console.error(`BENCH_HEAP_SNAPSHOT ${path}`);
  });
}

await import("../main.ts");
