/**
 * The `WORKERS=N` supervisor leaves no worker behind, driven as an operator's init system would: a worker that
 * does not stop on SIGTERM (here: SIGSTOPped, as a hung process) is SIGKILLed after WORKER_STOP_GRACE_S, and
 * a supervisor killed with SIGKILL (no chance to stop anything) takes its workers with it: they see the pipe it
 * held open close and shut down gracefully, freeing the port and their stations.
 */
import { assert, assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually, within } from "./helpers/server.ts";

const ignore = await ignoreWithoutPostgres("worker supervisor stop tests");

/** Alive and not a zombie (a reaped or dying process is gone for the port and its stations). */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Waits until none of `pids` runs; how long it took. */
async function exited(pids: number[], timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  while (pids.some(running)) {
    if (Date.now() - startedAt > timeoutMs) {
      throw new Error(`Still running after ${timeoutMs} ms: ${pids.filter(running).join(", ")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - startedAt;
}

/** The test's own cleanup, by PID: never by name, other servers run on this machine. */
function killAll(pids: number[]): void {
  for (const pid of pids.filter(running)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
}

async function twoWorkers(db: { url: string }, env: Record<string, string> = {}) {
  const server = await spawnServer({ WORKERS: "2", DATABASE_URL: db.url, ...env });
  const workerPids = () => server.logs.filter((l) => l.msg === "worker started").map((l) => Number(l.pid));
  await eventually(
    () => server.logs.filter((l) => l.msg === "listening").length >= 2,
    30_000,
    "both workers listening",
  );
  // Both keep running while their supervisor lives (its pipe stays open).
  await new Promise((r) => setTimeout(r, 1000));
  assertEquals(server.logs.filter((l) => l.msg === "shutting down" || l.msg === "worker exited"), []);
  const pids = workerPids();
  assertEquals(pids.length, 2);
  assert(pids.every(running));
  return { server, pids };
}

Deno.test({
  name: "a worker that does not stop on SIGTERM is SIGKILLed by its supervisor after WORKER_STOP_GRACE_S",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("csms_workers_stop");
    let pids: number[] = [];
    let supervisor: number | undefined;
    try {
      const started = await twoWorkers(db, { WORKER_STOP_GRACE_S: "2" });
      const { server } = started;
      pids = started.pids;
      supervisor = server.child.pid;
      const [hung, healthy] = pids as [number, number];
      // A stopped process keeps SIGTERM pending for ever; only SIGKILL ends it.
      Deno.kill(hung, "SIGSTOP");
      const startedAt = Date.now();
      server.child.kill("SIGTERM");
      const status = await within(server.child.status, 15_000, "the supervisor to exit");
      const tookMs = Date.now() - startedAt;
      assertEquals(status.code, 0);
      assert(tookMs >= 1900, `the hung worker got its grace (stopped after ${tookMs} ms)`);
      assert(tookMs < 10_000, `the supervisor stopped in ${tookMs} ms`);
      await exited(pids, 3000);
      const killed = server.logs.filter((l) => l.msg === "worker killed");
      assertEquals(killed.map((l) => l.pid), [hung]);
      assertEquals(killed[0]?.level, "warn");
      assertEquals(killed[0]?.graceS, 2);
      assertEquals(
        server.logs.filter((l) => l.msg === "shutting down").length,
        1,
        "the healthy worker stopped",
      );
      assert(!running(healthy));
    } finally {
      killAll(supervisor === undefined ? pids : [supervisor, ...pids]);
      await db.drop();
    }
  },
});

Deno.test({
  name: "the workers of a supervisor killed with SIGKILL shut down gracefully within a few seconds",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("csms_workers_orphans");
    let pids: number[] = [];
    let supervisor: number | undefined;
    try {
      const started = await twoWorkers(db);
      const { server } = started;
      pids = started.pids;
      supervisor = server.child.pid;
      server.child.kill("SIGKILL");
      await server.child.status;
      const tookMs = await exited(pids, 8000);
      assert(tookMs < 8000);
      const stops = server.logs.filter((l) => l.msg === "shutting down");
      assertEquals(stops.length, 2, "each worker shut down gracefully");
      assert(stops.every((l) => l.signal === "supervisor gone"));
      // The port is free again.
      const port = server.port;
      await assertRefused(port);
    } finally {
      killAll(supervisor === undefined ? pids : [supervisor, ...pids]);
      await db.drop();
    }
  },
});

async function assertRefused(port: number): Promise<void> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
  } catch (error) {
    assert(error instanceof Deno.errors.ConnectionRefused, String(error));
    return;
  }
  throw new Error(`Port ${port} still accepts connections`);
}
