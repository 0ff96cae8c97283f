/**
 * KV calls per message kind: our server on a fresh KV file (`kv_calls_probe.ts`, pinned to core 1), stations
 * of our own on plain WebSockets, one kind of CALL at a time (closed loop, every station at once), and per
 * kind the KV calls, keys read, checks and writes (by the key's first part), the CPU per message of the
 * server's threads (`sw-0`: KV's SQLite thread; `deno`: JavaScript; from schedstat, in µs) and the bytes
 * SQLite wrote (WAL and checkpoints: about two pages per page a commit changed). Run it outside a benchmark
 * (it uses core 1 too).
 *
 * ```sh
 * deno run -A bench/kv_calls.ts [stations=300] [rounds=5] [settleMs=200]
 * ```
 *
 * `settleMs`: the wait after each kind before its counts are taken; longer than the meter journal's applier
 * interval (1.5 s) puts the applier's work on the MeterValues that journaled it.
 */
import { BENCH_ID_TAG } from "./stores.ts";
import { spawnServer } from "./server_launch.ts";
import {
  authorize,
  bootNotification,
  heartbeat,
  meterValues,
  startTransaction,
  stationAnswer,
  statusNotification,
  stopTransaction,
} from "./generator/frames.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const stations = Number(Deno.args[0] ?? 300);
const rounds = Number(Deno.args[1] ?? 5);
const settleMs = Number(Deno.args[2] ?? 200);

interface Dump {
  counts: Record<string, number>;
  cpu: Record<string, number>;
}

class Station {
  #next = 1;
  #waiting = new Map<string, (payload: unknown) => void>();
  energyWh = 1000;
  transactionId: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const [type, id, a, b] = JSON.parse(e.data as string) as [number, string, unknown, unknown];
      if (type === 2) ws.send(JSON.stringify([3, id, stationAnswer(a as string)]));
      else this.#waiting.get(id)?.(type === 3 ? a : { error: a, description: b });
    };
  }

  static open(url: string): Promise<Station> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, "ocpp1.6");
      ws.onopen = () => resolve(new Station(ws));
      ws.onerror = () => reject(new Error(`Cannot connect to ${url}`));
    });
  }

  call(action: string, payload: unknown): Promise<unknown> {
    const id = String(this.#next++);
    return new Promise((resolve) => {
      this.#waiting.set(id, (answer) => {
        this.#waiting.delete(id);
        resolve(answer);
      });
      this.ws.send(JSON.stringify([2, id, action, payload]));
    });
  }
}

const tmp = await Deno.makeTempDir({ prefix: "kv-calls-" });
const env = { KV_PATH: `${tmp}/csms.kv`, STATION_MSG_RATE: "100000", COUNT_FILE: `${tmp}/counts.json` };
await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "tasks/idtags.ts", "add", BENCH_ID_TAG],
  cwd: ROOT,
  env,
  stdout: "null",
}).output();
const server = await spawnServer(0, { name: "kv", script: "bench/kv_calls_probe.ts", env, core: 1 });

async function dump(): Promise<Dump> {
  Deno.kill(server.pid, "SIGUSR1");
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const text = await Deno.readTextFile(env.COUNT_FILE);
      await Deno.remove(env.COUNT_FILE);
      return JSON.parse(text) as Dump;
    } catch { /* not yet written */ }
  }
  throw new Error("The probe wrote no counts");
}

const results: Record<
  string,
  { messages: number; counts: Record<string, number>; cpu: Record<string, number> }
> = {};

/** Each station sends `times` CALLs of one kind, one after another; all stations at once. */
async function phase(name: string, times: number, each: (s: Station) => Promise<unknown>): Promise<void> {
  await dump();
  await Promise.all(all.map(async (s) => {
    for (let i = 0; i < times; i++) await each(s);
  }));
  await new Promise((r) => setTimeout(r, settleMs));
  const d = await dump();
  const r = results[name] ??= { messages: 0, counts: {}, cpu: {} };
  r.messages += times * all.length;
  for (const [k, v] of Object.entries(d.counts)) r.counts[k] = (r.counts[k] ?? 0) + v;
  for (const [k, v] of Object.entries(d.cpu)) r.cpu[k] = (r.cpu[k] ?? 0) + v;
}

const all: Station[] = [];
for (let i = 0; i < stations; i += 50) {
  const batch = Array.from(
    { length: Math.min(50, stations - i) },
    (_, k) => Station.open(`ws://127.0.0.1:${server.port}/ocpp/KVC${i + k}`),
  );
  all.push(...await Promise.all(batch));
}
await phase("BootNotification", 1, (s) => s.call("BootNotification", bootNotification("KVC")));
for (let round = 0; round < rounds; round++) {
  await phase("StatusNotification", 2, (s) => s.call("StatusNotification", statusNotification("Available")));
  await phase("Heartbeat", 2, (s) => s.call("Heartbeat", heartbeat()));
  await phase(
    "MeterValues (no transaction)",
    2,
    (s) => s.call("MeterValues", meterValues(s.energyWh += 37, null)),
  );
  await phase("Authorize", 2, (s) => s.call("Authorize", authorize(BENCH_ID_TAG)));
  await phase("StartTransaction", 1, async (s) => {
    const answer = await s.call("StartTransaction", startTransaction(BENCH_ID_TAG, s.energyWh)) as {
      transactionId?: number;
    };
    s.transactionId = answer.transactionId ?? null;
  });
  await phase(
    "MeterValues (in a transaction)",
    3,
    (s) => s.call("MeterValues", meterValues(s.energyWh += 37, s.transactionId)),
  );
  await phase(
    "StopTransaction",
    1,
    (s) => s.call("StopTransaction", stopTransaction(s.transactionId!, BENCH_ID_TAG, s.energyWh += 37)),
  );
}
for (const s of all) s.ws.close();
Deno.kill(server.pid, "SIGTERM");
await server.exited;
await Deno.remove(tmp, { recursive: true });

const per = (v: number, n: number) => Math.round((v / n) * 100) / 100;
for (const [name, r] of Object.entries(results)) {
  const n = r.messages;
  const c = (prefix: string) =>
    Object.entries(r.counts).filter(([k]) => k.startsWith(prefix)).map(([k, v]) =>
      `${k.slice(prefix.length)} ${per(v, n)}`
    ).join(", ");
  console.log(`\n${name} (${n} messages), per message:`);
  console.log(
    `  calls: get ${per(r.counts["call get"] ?? 0, n)}, getMany ${per(r.counts["call getMany"] ?? 0, n)}` +
      ` (${per(r.counts["getMany keys"] ?? 0, n)} keys), list ${per(r.counts["call list"] ?? 0, n)},` +
      ` commit ${per(r.counts["call commit"] ?? 0, n)}`,
  );
  console.log(`  keys read: ${c("getMany key ")}${c("get key ") ? `; get: ${c("get key ")}` : ""}`);
  console.log(`  lists: ${c("list ")}`);
  console.log(`  checks: ${c("check ")}`);
  console.log(`  writes: ${c("write ")}`);
  console.log(
    `  CPU µs: SQLite (sw-0) ${per(r.cpu["sw-0"] ?? 0, n)}, JavaScript (deno) ${per(r.cpu["deno"] ?? 0, n)}`,
  );
  console.log(
    `  SQLite wrote: ${per(r.cpu["sw-0 bytes"] ?? 0, n)} bytes in ${
      per(r.cpu["sw-0 writes"] ?? 0, n)
    } writes`,
  );
}
