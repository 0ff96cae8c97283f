/**
 * What the benchmark reads about processes from `/proc` (Linux): resident memory, CPU time, open files, the
 * machine's CPU. The same numbers `ps -o rss,time` prints, without spawning `ps` every second.
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

/**
 * utime + stime of a `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`) line, in seconds. The command name
 * in parentheses may hold spaces and parentheses, so fields are counted from the last ")".
 *
 * @example
 * ```ts
 * parseStatCpuS("42 (deno) S 1 42 42 0 -1 4194304 10 0 0 0 150 50 0 0 20 0 9 0 100 0 0"); // 2
 * ```
 */
export function parseStatCpuS(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the state field.
  return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
}

/** The name in parentheses of a `/proc/<pid>/stat` line (a thread's name for a task's stat). */
export function parseStatName(stat: string): string {
  return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
}

/** A `kB` field of `/proc/<pid>/status` (e.g. "VmRSS"), in bytes; 0 when absent. */
export function parseStatusBytes(status: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Busy and total CPU seconds of all cores, from the first line of `/proc/stat`; `irqS` is the part spent in
 * interrupts and softirqs (on loopback, much of it is the network stack carrying the benchmark's own frames).
 */
export function parseMachineCpu(procStat: string): { busyS: number; totalS: number; irqS: number } {
  const line = procStat.split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return {
    busyS: (total - idle) / TICKS_PER_S,
    totalS: total / TICKS_PER_S,
    irqS: ((v[5] ?? 0) + (v[6] ?? 0)) / TICKS_PER_S,
  };
}

/**
 * Seconds a thread spent waiting on a run queue (runnable, but the core was busy with something else), from
 * `/proc/<pid>/task/<tid>/schedstat`: "<ns on cpu> <ns waiting> <timeslices>".
 */
export function parseSchedstatWaitS(schedstat: string): number {
  return Number(schedstat.trim().split(/\s+/)[1] ?? 0) / 1e9;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const cpuS = parseStatCpuS(Deno.readTextFileSync(`/proc/${pid}/stat`));
    return {
      rss: parseStatusBytes(status, "VmRSS"),
      rssPeak: parseStatusBytes(status, "VmHWM"),
      cpuS,
      threads,
    };
  } catch {
    return null;
  }
}

/** CPU seconds of a process so far (all its threads); null when it is gone. */
export function readCpuS(pid: number): number | null {
  try {
    return parseStatCpuS(Deno.readTextFileSync(`/proc/${pid}/stat`));
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

/** Whole-machine CPU time (all cores), seconds, from `/proc/stat`. */
export function readMachineCpu(): { busyS: number; totalS: number; irqS: number } {
  return parseMachineCpu(Deno.readTextFileSync("/proc/stat"));
}

/** Run-queue wait of all threads of a process so far, seconds (0 when it is gone). */
export function readSchedWaitS(pid: number): number {
  let s = 0;
  try {
    for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        s += parseSchedstatWaitS(Deno.readTextFileSync(`/proc/${pid}/task/${entry.name}/schedstat`));
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // The process ended.
  }
  return s;
}

/** Share of the machine (100 = every core busy) between two `readMachineCpu()` readings. */
export function machinePct(
  a: { busyS: number; totalS: number },
  b: { busyS: number; totalS: number },
): number {
  return Math.round((b.busyS - a.busyS) / Math.max(0.01, b.totalS - a.totalS) * 1000) / 10;
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
        const name = entry.name === String(pid) ? "main" : parseStatName(stat);
        out[name] = (out[name] ?? 0) + parseStatCpuS(stat);
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

/** The machine, for result files: CPU model, cores, memory, kernel. */
export function machineInfo(): {
  cpu: string | null;
  cores: number;
  memoryGB: number;
  kernel: string | null;
} {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return "";
    }
  };
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(read("/proc/cpuinfo"))?.[1]?.trim() ?? null,
    cores: navigator.hardwareConcurrency,
    memoryGB: Math.round(Deno.systemMemoryInfo().total / 1024 ** 3),
    kernel: read("/proc/sys/kernel/osrelease").trim() || null,
  };
}
