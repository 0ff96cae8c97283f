/**
 * `WORKERS=N`: this process becomes a supervisor that runs N server processes (workers) on the same port
 * (SO_REUSEPORT: the kernel spreads the connections), each a node of the cluster on DATABASE_URL. A worker
 * that dies is started again (after a growing pause, should it keep dying); SIGINT/SIGTERM stop them all,
 * with SIGTERM, then SIGKILL for those still running WORKER_STOP_GRACE_S later. Each worker's stdin is a pipe
 * held open here: should this process die without stopping them (SIGKILL), its end stops them (SUPERVISED).
 */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { v8FlagsArg } from "../server_v8_flags.ts";
import { EXIT_ABANDONED } from "../shutdown_deadline.ts";

export interface WorkerOptions {
  /** The server's entry module (main.ts). */
  main: string;
  /** deno.json, so the workers run with the same settings wherever they are started from. */
  denoConfig: string;
}

/** A worker's `deno` arguments: the server's V8 flags (a supervisor's own are not inherited), its config. */
export function workerArgs(options: WorkerOptions): string[] {
  return ["run", "-A", v8FlagsArg(), "--config", options.denoConfig, options.main];
}

/**
 * Runs the workers until a signal stops them; resolves with the exit code the supervisor should use: 0, or
 * EXIT_ABANDONED when a worker's stop left something unwritten.
 */
export async function superviseWorkers(
  config: Config,
  logger: Logger,
  options: WorkerOptions,
): Promise<number> {
  // One port for all: a fixed one, or one picked now (PORT=0 would give every worker its own).
  const port = config.PORT === 0 ? pickPort(config.HOSTNAME) : config.PORT;
  const children = new Map<number, Deno.ChildProcess>();
  let stopping = false;
  const start = (index: number, failures: number) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: workerArgs(options),
      env: {
        WORKERS: "1",
        REUSE_PORT: "true",
        SUPERVISED: "true",
        PORT: String(port),
        WORKER_INDEX: String(index),
      },
      // Never written nor closed: the kernel closes it when this process dies, however it dies.
      stdin: "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    children.set(index, child);
    const startedAt = Date.now();
    logger.info("worker started", { worker: index, pid: child.pid, port });
    void child.status.then((status) => {
      // Its supervisor pipe: not held open for a worker that is gone (one descriptor per restart otherwise).
      child.stdin.close().catch(() => {});
      if (stopping) return;
      // A worker that ran a while starts again at once; one that keeps dying waits longer each time.
      const again = Date.now() - startedAt > 30_000 ? 0 : failures + 1;
      const delayMs = Math.min(30_000, again === 0 ? 500 : 1000 * 2 ** Math.min(again, 5));
      logger.error("worker exited", {
        worker: index,
        pid: child.pid,
        code: status.code,
        restartInMs: delayMs,
      });
      setTimeout(() => {
        if (!stopping) start(index, again);
      }, delayMs);
    });
  };
  for (let i = 0; i < config.WORKERS; i++) start(i, 0);
  logger.info("workers running", { workers: config.WORKERS, port });
  const signal = await new Promise<Deno.Signal>((resolve) => {
    for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, () => resolve(s));
  });
  stopping = true;
  logger.info("stopping workers", { signal });
  const graceS = config.WORKER_STOP_GRACE_S;
  let code = 0;
  await Promise.all([...children].map(async ([index, child]) => {
    sendSignal(child, "SIGTERM");
    // A worker hung in its stop would keep the supervisor (and whoever waits for it) waiting for ever.
    const timer = setTimeout(() => {
      logger.warn("worker killed", { worker: index, pid: child.pid, graceS });
      sendSignal(child, "SIGKILL");
    }, graceS * 1000);
    // A worker whose stop left something unwritten (its log says what): the whole stop says so too.
    if ((await child.status).code === EXIT_ABANDONED) code = EXIT_ABANDONED;
    clearTimeout(timer);
  }));
  return code;
}

function sendSignal(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

function pickPort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
