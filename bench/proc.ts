/**
 * What the benchmark reads about its child processes from `/proc` (Linux): resident memory, CPU time, open
 * files. The same numbers `ps -o rss,time` prints, without spawning `ps` every second.
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

export interface ProcSample {
  /** Resident set size, bytes (VmRSS). */
  rss: number;
  /** Peak resident set size, bytes (VmHWM). */
  rssPeak: number;
  /** User + system CPU time, seconds. */
  cpuS: number;
  threads: number;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    // Fields after the parenthesised command name: utime is the 14th field of the line, stime the 15th.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuS = (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
    return { rss: kb("VmRSS"), rssPeak: kb("VmHWM"), cpuS, threads };
  } catch {
    return null;
  }
}

export function countOpenFiles(pid: number): number | null {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
    return n;
  } catch {
    return null;
  }
}

/** Whole-machine CPU busy time (all cores), seconds, from `/proc/stat`. */
export function readMachineCpu(): { busyS: number; totalS: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busyS: (total - idle) / TICKS_PER_S, totalS: total / TICKS_PER_S };
}

/**
 * CPU seconds per thread of a process, summed by thread name; the main (JavaScript) thread is "main". In a
 * server on Deno KV, "sw-0"-style threads run SQLite, "V8 DefaultWorker" threads run GC and compilation.
 */
export function readThreadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/stat`);
        const name = entry.name === String(pid)
          ? "main"
          : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out[name] = (out[name] ?? 0) + (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // The process ended.
  }
  return out;
}

/** Per-thread-name CPU between two readings, as % of one core over `seconds`. */
export function threadCpuPct(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(after)) {
    const pct = Math.round((s - (before[name] ?? 0)) / seconds * 1000) / 10;
    if (pct > 0) out[name] = pct;
  }
  return out;
}
