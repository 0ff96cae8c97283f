/**
 * CPU per answered CALL of the per-frame JavaScript, steady enough for an A/B: the real server composition
 * (`startServer`: registry, fleet, energy, metrics, frame log, a one-node memory cluster as with CLUSTER=on)
 * in this process, N stations as fake sockets handed to `registry.spawn` (no network, no WebSocket), a
 * closed loop (each station sends its next CALL when the last one is answered; the frames of a tick are
 * delivered together in one macrotask, as a socket read loop would), and the process's CPU per answered CALL.
 * The driver's own frame building and answer parsing are counted too (the same on both sides of an A/B).
 *
 * Stores: `noop` (default): a KV `:memory:` store for the lookups whose `commit` resolves at once, so only
 * our JavaScript is measured (the transactions it committed are remembered in memory, so a Stop finds its
 * Start's transaction as with a real store); `kv`: the real KV store on a temporary file, opened as the
 * server opens it (`openStores`: `KV_METER_JOURNAL` and the rest from `--env`; its SQLite thread counted too);
 * `postgres`: a fresh database on `--pg` (default postgres://postgres@127.0.0.1:5432/postgres), migrated and
 * opened as the server opens it, dropped at the end (PostgreSQL's backends are other processes: not counted).
 *
 * ```sh
 * deno run -A bench/frame_cost.ts [--stations 1000] [--mix plain,transaction] [--store noop|kv|postgres]
 *   [--seconds 5] [--warmup 2] [--rounds 3] [--cluster on|off] [--profile DIR] [--env FRAME_LOG_SIZE=0,...]
 * ```
 */
import process from "node:process";
import v8 from "node:v8";
import { CpuProfiler } from "./cpu_profiler.ts";
import { parseConfig } from "../config.ts";
import type { StationSocket } from "../actors/charge_point.ts";
import { MemoryClusterHub } from "../cluster/memory.ts";
import { createLogger } from "../logger.ts";
import { startServer } from "../server.ts";
import { openKvStore } from "../store/kv/mod.ts";
import { openStores } from "../store/open.ts";
import type { Store } from "../store/mod.ts";
import type { CommitResult, StationChanges } from "../model/changes.ts";
import { bootNotification } from "./generator/frames.ts";
import { callAnswered, type Mix, newStation, nextCall, type StationState } from "./generator/mixes.ts";
import { summariseProfile } from "./profile.ts";
import { BENCH_ID_TAG, BenchStores } from "./stores.ts";
import { RememberedTransactions } from "./remembered_transactions.ts";

export type FrameCostStore = "noop" | "kv" | "postgres";

export interface FrameCostOptions {
  stations: number;
  mix: Extract<Mix, "plain" | "transaction">;
  store: FrameCostStore;
  /** Measured time, after the warm-up. */
  measureMs: number;
  warmupMs: number;
  /** Measured windows, one after the other (each reported). */
  rounds: number;
  cluster: boolean;
  /** Settings for the server beyond the bench's own (e.g. `FRAME_LOG_SIZE: "0"`), as environment values. */
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the measured rounds to this path. */
  profile?: string;
  /** With store `postgres`: a connection that may create databases. */
  pgAdminUrl?: string;
}

export interface FrameCostRound {
  /** CALLs answered (CALLRESULT or CALLERROR) in the window. */
  answered: number;
  /** Log lines at warn or above in the window (a mix on a path it should not take shows here). */
  warnings: number;
  /** Of them, CALLERRORs (a broken mix shows here). */
  errors: number;
  cpuUs: number;
  wallMs: number;
  cpuUsPerCall: number;
  /** With store `postgres`: the CPU of PostgreSQL's backends serving the database, per CALL. */
  postgresUsPerCall?: number;
  /**
   * Bytes allocated per CALL, estimated: the growth of V8's used heap summed over the ticks it grew in (a tick
   * with a GC in it counts nothing, so a lower bound).
   */
  allocatedPerCall: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const OPEN = 1;
const CLOSED = 3;

/** A station on a fake socket: what the server sends arrives in `send`, answers are parsed here. */
class FakeStation implements StationSocket {
  readyState = OPEN;
  #next = 1;
  #pending = new Map<string, (payload: unknown, error: boolean) => void>();
  deliver: (text: string) => void = () => {};

  /** Set by the driver: how an answer reaches `answered` (later, outside the actor's turn). */
  later: (fn: () => void) => void = (fn) => fn();

  send(text: string): void {
    // As a socket writes and the station reads later: the station's side runs outside the actor's turn.
    this.later(() => this.#answered(text));
  }

  #answered(text: string): void {
    const [type, id, payload] = JSON.parse(text) as [number, string, unknown];
    if (type === 2) throw new Error(`The server sent a CALL the bench does not answer: ${text}`);
    const waiter = this.#pending.get(id);
    if (!waiter) return;
    this.#pending.delete(id);
    waiter(payload, type === 4);
  }

  close(): void {
    this.readyState = CLOSED;
  }

  call(action: string, payload: unknown, answered: (payload: unknown, error: boolean) => void): void {
    const id = String(this.#next++);
    this.#pending.set(id, answered);
    this.deliver(JSON.stringify([2, id, action, payload]));
  }
}

/**
 * Frames to the actors in one macrotask per tick (a MessageChannel message: no timer clamping), as the
 * socket layer hands over what it read.
 */
class Delivery {
  #queue: Array<() => void> = [];
  #channel = new MessageChannel();
  #scheduled = false;
  #heap = v8.getHeapStatistics().used_heap_size;
  /** Heap growth summed over the ticks it grew in (see `allocatedPerCall`). */
  grown = 0;

  constructor() {
    this.#channel.port1.onmessage = () => {
      this.#scheduled = false;
      const heap = v8.getHeapStatistics().used_heap_size;
      if (heap > this.#heap) this.grown += heap - this.#heap;
      this.#heap = heap;
      const queue = this.#queue;
      this.#queue = [];
      for (const deliver of queue) deliver();
    };
  }

  push(deliver: () => void): void {
    this.#queue.push(deliver);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#channel.port2.postMessage(0);
    }
  }

  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }
}

/**
 * A store whose commit resolves at once with what a successful commit reports, remembering the transactions
 * it was given; the rest is `inner`'s.
 */
function instantCommits(inner: Store): Store {
  const transactions = new RememberedTransactions();
  const remembered = new Set<PropertyKey>([
    "getTransaction",
    "findTransactionByStart",
    "findActiveTransactionsOn",
    "findActiveTransactionByIdTag",
  ]);
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === "commit") {
        return (changes: StationChanges): Promise<CommitResult> => {
          transactions.committed(changes);
          return Promise.resolve({ ok: true, meterValuesAdded: changes.meterValues?.length ?? 0 });
        };
      }
      if (remembered.has(key)) {
        const value = Reflect.get(transactions, key) as (...args: unknown[]) => unknown;
        return value.bind(transactions);
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Runs the stations of `options` and measures `rounds` windows of CPU per answered CALL. */
export async function measureFrameCost(options: FrameCostOptions): Promise<FrameCostRound[]> {
  const dir = options.store === "kv" ? await Deno.makeTempDir({ prefix: "frame-cost-" }) : null;
  const databases = options.store === "postgres"
    ? new BenchStores(options.pgAdminUrl ?? "postgres://postgres@127.0.0.1:5432/postgres")
    : null;
  // Log lines are written as in production (JSON, encoded, a synchronous write), to /dev/null.
  const devNull = Deno.openSync("/dev/null", { write: true });
  let logging = true;
  let warnings = 0;
  const encoder = new TextEncoder();
  const logger = createLogger({
    level: "info",
    write: (line) => {
      if (/^\{"time":"[^"]*","level":"(?:warn|error)"/.test(line)) warnings++;
      // A late line (a background loop's, after shutdown) goes nowhere.
      if (logging) devNull.writeSync(encoder.encode(line + "\n"));
    },
  });
  const config = parseConfig({
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    ADMIN_PASSWORD: "frame-cost-bench-1",
    ...(dir ? { KV_PATH: `${dir}/csms.kv` } : {}),
    ...(databases ? await databases.create("postgres", "frame_cost", { idTag: false }) : {}),
    ...options.env,
  });
  // The real store as the server opens it (its meter journal as configured); noop's lookups on `:memory:`.
  const opened = options.store === "noop" ? null : await openStores(config, logger);
  const base = opened ? opened.store : await openKvStore(":memory:");
  await base.putIdTag({ idTag: BENCH_ID_TAG, status: "Accepted", expiryDate: null, parentIdTag: null });
  const store = options.store === "noop" ? instantCommits(base) : base;
  const hub = new MemoryClusterHub();
  const cluster = options.cluster ? hub.backend("frame-cost") : undefined;
  // The other stores as the server opens them too (load management's site reads, the fleet's loops, ...).
  const others = opened
    ? {
      auth: opened.auth,
      stationSecurity: opened.stationSecurity,
      energy: opened.energy,
      securityExtension: opened.securityExtension,
      fleet: opened.fleet,
    }
    : {};
  const server = await startServer(config, store, { logger, ...others, ...(cluster ? { cluster } : {}) });
  const delivery = new Delivery();
  let answered = 0;
  let errors = 0;
  let running = true;
  try {
    const stations = Array.from({ length: options.stations }, (_, i) => {
      const id = `FC-${String(i).padStart(5, "0")}`;
      const socket = new FakeStation();
      const actor = server.registry.spawn(id, socket, "127.0.0.1");
      socket.deliver = (text) => delivery.push(() => actor.frameReceived(text));
      socket.later = (fn) => delivery.push(fn);
      return { id, socket, state: newStation(i) as StationState };
    });
    // Every station boots first (and is Accepted), as the benchmark's stations do.
    await Promise.all(
      stations.map((s) =>
        new Promise<void>((resolve, reject) =>
          s.socket.call("BootNotification", bootNotification(s.id), (payload, error) => {
            const status = (payload as { status?: string }).status;
            if (error || status !== "Accepted") {
              reject(new Error(`Boot of ${s.id} failed: ${JSON.stringify(payload)}`));
            } else resolve();
          })
        )
      ),
    );
    const loop = (s: (typeof stations)[number]) => {
      if (!running) return;
      const call = nextCall(options.mix, s.state, BENCH_ID_TAG);
      s.socket.call(call.action, call.payload, (payload, error) => {
        answered++;
        if (error) errors++;
        callAnswered(s.state, call.action, error ? null : payload);
        loop(s);
      });
    };
    for (const s of stations) loop(s);
    await sleep(options.warmupMs);
    const profiler = options.profile ? await startProfiler() : null;
    const rounds: FrameCostRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const backends0 = databases ? await databases.backendCpuS("frame_cost") : null;
      const cpu0 = process.cpuUsage();
      const grown0 = delivery.grown;
      const t0 = performance.now();
      const n0 = answered;
      const e0 = errors;
      const w0 = warnings;
      await sleep(options.measureMs);
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      const n = answered - n0;
      const backendsUs = backends0
        ? cpuSpent(backends0, await databases!.backendCpuS("frame_cost")) * 1e6
        : null;
      const cpuUs = cpu.user + cpu.system;
      rounds.push({
        answered: n,
        errors: errors - e0,
        warnings: warnings - w0,
        cpuUs,
        wallMs,
        cpuUsPerCall: n > 0 ? cpuUs / n : Infinity,
        ...(backendsUs !== null ? { postgresUsPerCall: n > 0 ? backendsUs / n : Infinity } : {}),
        allocatedPerCall: n > 0 ? (delivery.grown - grown0) / n : 0,
      });
    }
    if (profiler && options.profile) {
      await Deno.writeTextFile(options.profile, JSON.stringify(await profiler()));
    }
    return rounds;
  } finally {
    running = false;
    await sleep(50);
    delivery.close();
    await server.shutdown();
    await cluster?.close?.();
    await (opened ? opened.close() : base.close());
    logging = false;
    devNull.close();
    if (dir) await Deno.remove(dir, { recursive: true });
    await databases?.close();
  }
}

/** CPU seconds spent between two readings by pid (a pid new in `after` counts from zero). */
function cpuSpent(before: Record<number, number>, after: Record<number, number>): number {
  let spent = 0;
  for (const [pid, s] of Object.entries(after)) spent += s - (before[Number(pid)] ?? 0);
  return spent;
}

/** Starts V8's sampling profiler in this process; the function returned stops it and gives the profile. */
async function startProfiler(): Promise<() => Promise<unknown>> {
  const profiler = await CpuProfiler.start(250);
  return async () => {
    const profile = await profiler.stop();
    profiler.disconnect();
    return profile;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function flag(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 && Deno.args[at + 1] !== undefined ? Deno.args[at + 1]! : fallback;
}

async function main(): Promise<void> {
  const stations = Number(flag("stations", "1000"));
  const mixes = flag("mix", "plain,transaction").split(",") as FrameCostOptions["mix"][];
  const store = flag("store", "noop") as FrameCostStore;
  const measureMs = Number(flag("seconds", "5")) * 1000;
  const warmupMs = Number(flag("warmup", "2")) * 1000;
  const rounds = Number(flag("rounds", "3"));
  const cluster = flag("cluster", "on") === "on";
  const profileDir = flag("profile", "");
  const env = Object.fromEntries(
    flag("env", "").split(",").filter(Boolean).map((pair) => pair.split("=", 2) as [string, string]),
  );
  for (const mix of mixes) {
    const profile = profileDir ? `${profileDir}/frame-cost-${mix}.cpuprofile` : undefined;
    const results = await measureFrameCost({
      stations,
      mix,
      store,
      measureMs,
      warmupMs,
      rounds,
      cluster,
      env,
      ...(profile ? { profile } : {}),
    });
    const perCall = results.map((r) => r.cpuUsPerCall);
    const postgresPerCall = results.flatMap((r) => r.postgresUsPerCall ?? []);
    const total = results.reduce((sum, r) => sum + r.answered, 0);
    const errors = results.reduce((sum, r) => sum + r.errors, 0);
    const warnings = results.reduce((sum, r) => sum + r.warnings, 0);
    const rate = total / results.reduce((sum, r) => sum + r.wallMs / 1000, 0);
    console.log(
      `${mix.padEnd(11)} store=${store} stations=${stations}: CPU per answered CALL ${
        perCall.map((v) => v.toFixed(1)).join(" / ")
      } µs (median ${median(perCall).toFixed(1)})${
        postgresPerCall.length
          ? `, PostgreSQL's backends ${postgresPerCall.map((v) => v.toFixed(1)).join(" / ")} µs`
          : ""
      }, ${Math.round(rate)} CALLs/s, ${errors} CALLERRORs, ` +
        `${warnings} warnings, ` +
        `~${median(results.map((r) => r.allocatedPerCall)).toFixed(0)} B allocated per CALL`,
    );
    if (profile) {
      const summary = summariseProfile(JSON.parse(await Deno.readTextFile(profile)), 30);
      console.log(`  profile ${profile} (${summary.samples} samples); by file:`);
      for (const f of summary.files) console.log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.file}`);
      console.log("  by function (self):");
      for (const f of summary.functions) console.log(`    ${f.pct.toFixed(1).padStart(5)}%  ${f.name}`);
    }
  }
}

if (import.meta.main) await main();
