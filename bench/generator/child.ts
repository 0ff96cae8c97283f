/** The benchmark's side of one load-generator process (`generator/mod.ts`): spawn it, ask it, stop it. */
import { readLines } from "../lines.ts";
import { pinned } from "../pinning.ts";
import type {
  ConnectOptions,
  ConnectReport,
  GeneratorConfig,
  RunOptions,
  WindowReport,
} from "./load_generator.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface GeneratorChild {
  index: number;
  pid: number;
  /** Which server (by index) its stations talk to. */
  server: number;
  stations: number;
  /** The last progress line (opened, ready, failed) while connecting. */
  progress: { opened: number; ready: number; failed: number };
  connect(options: ConnectOptions): Promise<ConnectReport>;
  run(options: RunOptions): Promise<void>;
  mark(): Promise<void>;
  stop(drainMs?: number): Promise<WindowReport>;
  close(): Promise<number>;
  /** Asks it to close its stations and exit; SIGKILL after `graceMs`. */
  exit(graceMs?: number): Promise<void>;
  kill(): void;
  exited: Promise<Deno.CommandStatus>;
}

export function spawnGenerator(
  index: number,
  server: number,
  config: GeneratorConfig,
  core: number | null = null,
): GeneratorChild {
  const [program, args] = pinned(core, Deno.execPath(), [
    "run",
    "-A",
    "bench/generator/mod.ts",
    JSON.stringify(config),
  ]);
  const child = new Deno.Command(program, {
    args,
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let gone = false;
  const exited = child.status.then((status) => {
    gone = true;
    for (const w of waiting.values()) {
      w.reject(new Error(`Load generator ${index} exited with code ${status.code}`));
    }
    waiting.clear();
    return status;
  });
  const request = <T>(cmd: string, options: object = {}): Promise<T> => {
    if (gone) return Promise.reject(new Error(`Load generator ${index} has exited`));
    const id = nextId++;
    const answer = new Promise<T>((resolve, reject) =>
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
    );
    writer.write(encoder.encode(`${JSON.stringify({ id, cmd, ...options })}\n`)).catch(() => {});
    return answer;
  };
  const generator: GeneratorChild = {
    index,
    pid: child.pid,
    server,
    stations: config.stations,
    progress: { opened: 0, ready: 0, failed: 0 },
    connect: (options) => request("connect", options),
    run: (options) => request("run", options),
    mark: () => request("mark"),
    stop: (drainMs = 5000) => request("stop", { drainMs }),
    close: () => request("close"),
    async exit(graceMs = 5000) {
      request("exit").catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = await Promise.race([
        exited.then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!done) generator.kill();
      await exited;
    },
    kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Gone.
      }
    },
    exited,
  };
  void readLines(child.stdout, (line) => {
    let message: { type?: string; id?: number; result?: unknown; message?: string };
    try {
      message = JSON.parse(line);
    } catch {
      console.error(`[generator ${index}] ${line}`);
      return;
    }
    if (message.type === "progress") {
      generator.progress = message as unknown as GeneratorChild["progress"];
      return;
    }
    const w = waiting.get(message.id ?? -1);
    if (!w) return;
    waiting.delete(message.id!);
    if (message.type === "reply") w.resolve(message.result);
    else w.reject(new Error(`Load generator ${index}: ${message.message}`));
  });
  void readLines(child.stderr, (line) => console.error(`[generator ${index}] ${line}`));
  return generator;
}
