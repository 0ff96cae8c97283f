/**
 * The child processes of a benchmark run: server processes (`bench/server_probe.ts`, i.e. `main.ts` plus a
 * memory probe) and load generators, each read line by line.
 */
const ROOT = new URL("../", import.meta.url).pathname;

/** Calls `onLine` for every complete line of a byte stream; resolves when it ends. */
export async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const bytes of stream) {
    const chunk = decoder.decode(bytes, { stream: true });
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  }
  if (buffer) onLine(buffer);
}

export interface LogCounts {
  lines: number;
  bytes: number;
  byLevel: Record<string, number>;
  byMessage: Record<string, number>;
}

export function emptyLogCounts(): LogCounts {
  return { lines: 0, bytes: 0, byLevel: {}, byMessage: {} };
}

export interface ServerChild {
  index: number;
  pid: number;
  port: number;
  child: Deno.ChildProcess;
  /** Log lines counted per phase; `phase` says which bucket new lines go to. */
  logs: Record<string, LogCounts>;
  phase: string;
  /** The first warn/error lines, for the report. */
  problems: string[];
  /** Asks the probe for a GC and a memory line. */
  probeMemory(timeoutMs?: number): Promise<MemoryProbe | null>;
  /** With BENCH_CPU_PROFILE set: writes the CPU profile so far and starts the next; resolves with its path. */
  cutProfile(timeoutMs?: number): Promise<string | null>;
  exited: Promise<Deno.CommandStatus>;
}

export interface MemoryProbe {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  gcMs: number;
}

export async function spawnServer(index: number, env: Record<string, string>): Promise<ServerChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", "bench/server_probe.ts"],
    cwd: ROOT,
    env: { PORT: "0", HOSTNAME: "127.0.0.1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let resolvePort!: (port: number) => void;
  const portKnown = new Promise<number>((r) => (resolvePort = r));
  const probeWaiters: Array<(p: MemoryProbe) => void> = [];
  const profileWaiters: Array<(path: string) => void> = [];
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
    pid: child.pid,
    port: 0,
    child,
    logs: {},
    phase: "start",
    problems: [],
    exited: child.status,
    probeMemory: (timeoutMs = 30_000) => ask("SIGUSR2", probeWaiters, timeoutMs),
    cutProfile: (timeoutMs = 60_000) => ask("SIGUSR1", profileWaiters, timeoutMs),
  };
  void readLines(child.stdout, (line) => {
    const counts = server.logs[server.phase] ??= emptyLogCounts();
    counts.lines++;
    counts.bytes += line.length + 1;
    let entry: { level?: string; msg?: string; url?: string };
    try {
      entry = JSON.parse(line);
    } catch {
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
    if (line.startsWith("BENCH_MEMORY ")) {
      const probe = JSON.parse(line.slice("BENCH_MEMORY ".length)) as MemoryProbe;
      for (const waiter of probeWaiters.splice(0)) waiter(probe);
    } else if (line.startsWith("BENCH_PROFILE ")) {
      for (const waiter of profileWaiters.splice(0)) waiter(line.slice("BENCH_PROFILE ".length));
    } else {
      console.error(`[server ${index}] ${line}`);
    }
  });
  server.port = await Promise.race([
    portKnown,
    child.status.then((s) => Promise.reject(new Error(`Server ${index} exited early with code ${s.code}`))),
  ]);
  return server;
}

export interface GeneratorChild {
  index: number;
  pid: number;
  server: number;
  stations: number;
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  last: Record<string, unknown> | null;
  ready: Promise<Record<string, unknown>>;
  report: Promise<Record<string, unknown>>;
  send(command: Record<string, unknown>): Promise<void>;
  exited: Promise<Deno.CommandStatus>;
}

export function spawnGenerator(
  index: number,
  server: number,
  config: Record<string, unknown> & { stations: number },
): GeneratorChild {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/load_generator.ts", JSON.stringify(config)],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let resolveReady!: (m: Record<string, unknown>) => void;
  let resolveReport!: (m: Record<string, unknown>) => void;
  const encoder = new TextEncoder();
  const writer = child.stdin.getWriter();
  const generator: GeneratorChild = {
    index,
    pid: child.pid,
    server,
    stations: config.stations,
    child,
    writer,
    last: null,
    ready: new Promise((r) => (resolveReady = r)),
    report: new Promise((r) => (resolveReport = r)),
    send: (command) => writer.write(encoder.encode(`${JSON.stringify(command)}\n`)),
    exited: child.status,
  };
  const failed = child.status.then((s) => {
    throw new Error(`Load generator ${index} exited with code ${s.code}`);
  });
  failed.catch(() => {});
  generator.ready = Promise.race([generator.ready, failed]);
  generator.report = Promise.race([generator.report, failed]);
  void readLines(child.stdout, (line) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line);
    } catch {
      console.error(`[generator ${index}] ${line}`);
      return;
    }
    generator.last = message;
    if (message.type === "ready") resolveReady(message);
    if (message.type === "report") resolveReport(message);
  });
  void readLines(child.stderr, (line) => console.error(`[generator ${index}] ${line}`));
  return generator;
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

export async function runTask(args: string[], env: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`Cannot run "deno ${args.join(" ")}": ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}
