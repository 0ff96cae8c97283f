/**
 * CPU use over an interval of one measured server: its process, its generators, the PostgreSQL backends of
 * its database, and everything else on the machine (other engineers' work on a shared machine).
 */
import type { GeneratorChild } from "../generator/child.ts";
import { readCpuS, readMachineCpu } from "../proc.ts";
import type { ServerChild } from "../server_launch.ts";
import { backendCpuDelta, type BenchStores } from "../stores.ts";

export interface CpuInterval {
  seconds: number;
  serverCpuS: number | null;
  /** % of one core. */
  serverCpuPct: number | null;
  generatorCpuPct: number;
  postgresCpuS: number | null;
  /** Cores used by processes outside the benchmark. */
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
    const serverCpuS = delta(0);
    const generatorCpuS = generators.reduce((s, _, i) => s + (delta(i + 1) ?? 0), 0);
    const postgresCpuS = a && b ? backendCpuDelta(a, b) : null;
    const ours = (serverCpuS ?? 0) + generatorCpuS + (postgresCpuS ?? 0) + (after.self - before.self);
    const pct = (s: number) => Math.round(s / seconds * 1000) / 10;
    return {
      seconds,
      serverCpuS,
      serverCpuPct: serverCpuS === null ? null : pct(serverCpuS),
      generatorCpuPct: pct(generatorCpuS),
      postgresCpuS,
      otherCores: Math.max(
        0,
        Math.round((after.machine.busyS - before.machine.busyS - ours) / seconds * 100) / 100,
      ),
    };
  };
}
