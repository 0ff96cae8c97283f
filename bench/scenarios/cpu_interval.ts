/**
 * CPU over an interval of one measured server: what its process, its generators and the PostgreSQL backends
 * of its database used, how long the server and generators waited for a core (run queue: runnable, but the
 * core was busy with something else), interrupts (the loopback network stack), and everything else on the
 * machine (other engineers' work on a shared machine).
 */
import type { GeneratorChild } from "../generator/child.ts";
import { readCpuS, readMachineCpu, readSchedWaitS } from "../proc.ts";
import type { ServerChild } from "../server_launch.ts";
import { backendCpuDelta, type BenchStores } from "../stores.ts";

export interface CpuInterval {
  seconds: number;
  serverCpuS: number | null;
  /** % of one core. */
  serverCpuPct: number | null;
  /** Server threads waiting for a core, % of the interval (summed over threads). */
  serverWaitPct: number;
  generatorCpuPct: number;
  generatorWaitPct: number;
  postgresCpuS: number | null;
  /** Cores spent in interrupts and softirqs. */
  irqCores: number;
  /** Cores used by processes outside the benchmark (interrupts not counted). */
  otherCores: number;
}

/**
 * Starts measuring now; the returned function reads again and gives the use since. `postgresStore` names the
 * store (`BenchStores`) whose backends count, or null.
 */
export function startCpuInterval(
  server: ServerChild,
  generators: GeneratorChild[],
  postgresStore: string | null,
  stores: BenchStores,
): () => Promise<CpuInterval> {
  const pids = [server.pid, ...generators.map((g) => g.pid)];
  const read = () => ({
    at: performance.now(),
    cpu: pids.map((pid) => readCpuS(pid)),
    wait: pids.map((pid) => readSchedWaitS(pid)),
    self: readCpuS(Deno.pid) ?? 0,
    machine: readMachineCpu(),
  });
  const backends = () => (postgresStore ? stores.backendCpuS(postgresStore) : Promise.resolve(null));
  const backendsBefore = backends();
  const before = read();
  return async () => {
    const after = read();
    const [a, b] = [await backendsBefore, await backends()];
    const seconds = (after.at - before.at) / 1000;
    const delta = (i: number) => {
      const x = before.cpu[i], y = after.cpu[i];
      return x == null || y == null ? null : y - x;
    };
    const waited = (i: number) => after.wait[i]! - before.wait[i]!;
    const serverCpuS = delta(0);
    const generatorCpuS = generators.reduce((s, _, i) => s + (delta(i + 1) ?? 0), 0);
    const generatorWaitS = generators.reduce((s, _, i) => s + waited(i + 1), 0);
    const postgresCpuS = a && b ? backendCpuDelta(a, b) : null;
    const irqS = after.machine.irqS - before.machine.irqS;
    const ours = (serverCpuS ?? 0) + generatorCpuS + (postgresCpuS ?? 0) + (after.self - before.self) + irqS;
    const pct = (s: number) => Math.round(s / seconds * 1000) / 10;
    const cores = (s: number) => Math.max(0, Math.round(s / seconds * 100) / 100);
    return {
      seconds,
      serverCpuS,
      serverCpuPct: serverCpuS === null ? null : pct(serverCpuS),
      serverWaitPct: pct(waited(0)),
      generatorCpuPct: pct(generatorCpuS),
      generatorWaitPct: pct(generatorWaitS),
      postgresCpuS,
      irqCores: cores(irqS),
      otherCores: cores(after.machine.busyS - before.machine.busyS - ours),
    };
  };
}
