/**
 * Server processes of a benchmark run, ours (`server_probe.ts`: `main.ts` plus the probes) or a peer
 * (`peers/*.ts`): spawn one (optionally pinned to a core), learn its port from its `listening` log line, count
 * its log lines per phase, ask its memory probe, stop it.
 */
import { readLines } from "./lines.ts";
import type { LatencySummary } from "./histogram.ts";
import { LAG_LINE } from "./loop_lag.ts";
import { MEMORY_LINE } from "./memory_probe.ts";
import { pinned } from "./pinning.ts";
import { v8FlagsArg } from "../server_v8_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;

export interface ServerSpec {
  /** Shown in logs and reports ("kv", "ocpp-rpc", ...). */
  name: string;
  /** Relative to the repository root. */
  script: string;
  /** With BENCH_ECHO_STDOUT=1, what the server prints to stdout that is not a log line goes to our stderr. */
  env: Record<string, string>;
  /** Core to pin the process to (taskset), or null. */
  core?: number | null;
  /** The checkout to run it from (another worktree for A/B pairs across commits); default this one. */
  root?: string;
}

/** Our server with the benchmark's probes. */
export const OUR_SERVER_SCRIPT = "bench/server_probe.ts";

export interface LogCounts {
  lines: number;
  bytes: number;
  byLevel: Record<string, number>;
  byMessage: Record<string, number>;
}

export function emptyLogCounts(): LogCounts {
  return { lines: 0, bytes: 0, byLevel: {}, byMessage: {} };
}

export interface MemoryProbe {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  gcMs: number;
}

export interface ServerChild {
  index: number;
  name: string;
  pid: number;
  port: number;
  child: Deno.ChildProcess;
  /** Log lines counted per phase; `phase` says which bucket new lines go to. */
  logs: Record<string, LogCounts>;
  phase: string;
  /** The first warn/error lines, for the report. */
  problems: string[];
  /** Asks the probe for a full GC and a memory reading. */
  probeMemory(timeoutMs?: number): Promise<MemoryProbe | null>;
  /** With BENCH_CPU_PROFILE set: writes the CPU profile so far and starts the next; resolves with its path. */
  cutProfile(timeoutMs?: number): Promise<string | null>;
  /** The event-loop lag since the previous cut (`loop_lag.ts`); null when the probe does not answer. */
  cutLag(timeoutMs?: number): Promise<LatencySummary | null>;
  exited: Promise<Deno.CommandStatus>;
}

export async function spawnServer(index: number, spec: ServerSpec): Promise<ServerChild> {
  const [program, args] = pinned(spec.core ?? null, Deno.execPath(), [
    "run",
    "-A",
    // Ours with the V8 flags `deno task start` gives it; the peers as they come.
    spec.script.includes("bench/peers/") ? "--v8-flags=--expose-gc" : v8FlagsArg(["--expose-gc"]),
    spec.script,
  ]);
  const child = new Deno.Command(program, {
    args,
    cwd: spec.root ?? ROOT,
    env: { PORT: "0", HOSTNAME: "127.0.0.1", ...spec.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let resolvePort!: (port: number) => void;
  const portKnown = new Promise<number>((r) => (resolvePort = r));
  const probeWaiters: Array<(p: MemoryProbe) => void> = [];
  const profileWaiters: Array<(path: string) => void> = [];
  const lagWaiters: Array<(lag: LatencySummary) => void> = [];
  const ask = <T>(signal: Deno.Signal, waiters: Array<(v: T) => void>, timeoutMs: number) =>
    new Promise<T | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      waiters.push((v) => {
        clearTimeout(timer);
        resolve(v);
      });
      try {
        Deno.kill(child.pid, signal);
      } catch {
        clearTimeout(timer);
        resolve(null);
      }
    });
  const server: ServerChild = {
    index,
    name: spec.name,
    pid: child.pid,
    port: 0,
    child,
    logs: {},
    phase: "start",
    problems: [],
    exited: child.status,
    probeMemory: (timeoutMs = 30_000) => ask("SIGUSR2", probeWaiters, timeoutMs),
    cutProfile: (timeoutMs = 60_000) => ask("SIGUSR1", profileWaiters, timeoutMs),
    cutLag: (timeoutMs = 5_000) => ask("SIGWINCH", lagWaiters, timeoutMs),
  };
  void readLines(child.stdout, (line) => {
    const counts = server.logs[server.phase] ??= emptyLogCounts();
    counts.lines++;
    counts.bytes += line.length + 1;
    let entry: { level?: string; msg?: string; url?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      // Not a log line: V8's own traces (DENO_V8_FLAGS=--trace-gc...), shown when asked for.
      if (spec.env.BENCH_ECHO_STDOUT) console.error(`[${spec.name} stdout] ${line}`);
      return;
    }
    const level = entry.level ?? "?";
    counts.byLevel[level] = (counts.byLevel[level] ?? 0) + 1;
    const key = `${level}: ${entry.msg}`;
    counts.byMessage[key] = (counts.byMessage[key] ?? 0) + 1;
    if ((level === "warn" || level === "error") && server.problems.length < 10) server.problems.push(line);
    if (entry.msg === "listening" && entry.url) resolvePort(Number(new URL(entry.url).port));
  });
  void readLines(child.stderr, (line) => {
    if (line.startsWith(MEMORY_LINE)) {
      const probe = JSON.parse(line.slice(MEMORY_LINE.length)) as MemoryProbe;
      for (const waiter of probeWaiters.splice(0)) waiter(probe);
    } else if (line.startsWith(LAG_LINE)) {
      const lag = JSON.parse(line.slice(LAG_LINE.length)) as LatencySummary;
      for (const waiter of lagWaiters.splice(0)) waiter(lag);
    } else if (line.startsWith("BENCH_PROFILE ")) {
      for (const waiter of profileWaiters.splice(0)) waiter(line.slice("BENCH_PROFILE ".length));
    } else {
      console.error(`[${spec.name} ${index}] ${line}`);
    }
  });
  server.port = await Promise.race([
    portKnown,
    child.status.then((s) =>
      Promise.reject(new Error(`Server "${spec.name}" (${spec.script}) exited early with code ${s.code}`))
    ),
  ]);
  return server;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how long the process took to exit. */
export async function stopProcess(
  child: Deno.ChildProcess,
  graceMs: number,
): Promise<{ ms: number; killed: boolean }> {
  const started = performance.now();
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = await Promise.race([
    child.status.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (killed) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Gone meanwhile.
    }
    await child.status;
  }
  return { ms: performance.now() - started, killed };
}

/** Runs `deno <args>` in the repository (e.g. `tasks/idtags.ts add`); throws with its stderr on failure. */
export async function runTask(args: string[], env: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot run "deno ${args.join(" ")}": ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}
