/**
 * What a station's handshake and boot, and then a message on its socket, cost the server's process, for A/B
 * pairs of transports (HTTP_SERVER), settings or commits: each variant in turn on a fresh server pinned to core
 * 1 (a fresh store), its load generators (one per 5,000 stations) on core 0, alternated `--pairs` times
 * (A, B, A, B, ...).
 *
 * 1. Boot: `--stations` connect and send a BootNotification at `--rate` per second (open loop, as the peers
 *    footprint does); boot time = first connect to last answer; server CPU (all threads, /proc) from the first
 *    connect to 2 s after the last answer, per booted station, and its main thread's share.
 * 2. With `--saturate S`: the `--mix` (default plain: Heartbeat, MeterValues; `heartbeat`: Heartbeat alone,
 *    the transport and the actor shell with almost no store write) closed loop, 1 s warm-up, then S seconds
 *    measured: msgs/s and server CPU per answered message, also by thread. With `--fixed R` as well, the window
 *    runs at R msgs/s from all stations instead (open loop, as the peers' fixed-rate windows) and also gives
 *    the answers' p50 / p99. With `--prelude P`, P seconds of the transaction mix (closed loop) run first,
 *    then 2 s of rest: the store as after use (the peers run's later windows follow its saturation windows on
 *    the same store). For our servers it also prints the window's group commits (per second, writes each,
 *    mean duration, share over 25 ms) from the server's own /metrics (`commit_window.ts`).
 *
 *   deno run -A bench/transport_cost.ts --variant node:HTTP_SERVER=node --variant deno:HTTP_SERVER=deno
 *   deno run -A bench/transport_cost.ts --store postgres --saturate 5 --pairs 3 \
 *     --variant base@/work/base:HTTP_SERVER=node --variant head:HTTP_SERVER=node --variant ocpp-rpc
 *
 * A variant is `name[@checkout][:KEY=VALUE,...]`; the names `raw` and `ocpp-rpc` are the peers of
 * `--peers` (no store, no settings). With `--profile` our servers run with the V8 CPU profiler and each phase's
 * hottest functions are printed (slower: attribution only, not figures); `--keep-profiles` keeps the
 * `.cpuprofile` files and prints their paths. With `--heap-profile` instead, V8's sampling heap profiler weighs
 * what the measured window promoted to the old generation, by allocation site (see `heap_sampler.ts`).
 */
import { parseArgs } from "node:util";
import { type GeneratorChild, spawnGenerator } from "./generator/child.ts";
import { mergeWindows } from "./generator/merged_window.ts";
import type { Mix } from "./generator/mixes.ts";
import { Histogram, type LatencySummary } from "./histogram.ts";
import { heapSummaryLines, summariseHeapProfile } from "./heap_profile.ts";
import {
  type CommitScrape,
  type CommitWindow,
  commitWindow,
  commitWindowText,
  parseCommitScrape,
} from "./commit_window.ts";
import { BENCH_ADMIN, operatorToken } from "./operator_commands.ts";
import { summariseProfile } from "./profile.ts";
import { readCpuS, readThreadCpu } from "./proc.ts";
import {
  OUR_SERVER_SCRIPT,
  type ServerChild,
  type ServerSpec,
  spawnServer,
  stopProcess,
} from "./server_launch.ts";
import { BENCH_ID_TAG, BenchStores } from "./stores.ts";
import { log, sleep } from "./timeline.ts";
import { GENERATOR_CORE, SERVER_CORE } from "./scenarios/fleet.ts";
import { OUR_SERVER_ENV } from "./scenarios/peers.ts";
import { startCpuInterval } from "./scenarios/cpu_interval.ts";

interface Variant {
  name: string;
  root: string | undefined;
  env: Record<string, string>;
}

interface Run {
  variant: string;
  bootS: number | null;
  ready: number;
  bootUsPerStation: number | null;
  bootMainPct: number | null;
  /** CPU µs per booted station by thread name (main, V8 workers, tokio, KV...). */
  bootThreadsUs: Record<string, number>;
  /** The server's threads waiting for a core (% of the boot interval), other work on the machine (cores). */
  bootWaitPct: number;
  bootOtherCores: number;
  /** PostgreSQL's backends of this server's database, µs per boot (null on KV). */
  bootPostgresUs: number | null;
  /** Connect + BootNotification answered, per station, ms. */
  bootLatency: LatencySummary;
  msgsPerS: number | null;
  usPerMsg: number | null;
  /** CPU µs per answered message in the measured window by thread name. */
  msgThreadsUs: Record<string, number>;
  /** Answer latency in the measured window (with `--fixed`, the p99 the target is about), ms. */
  msgLatency: LatencySummary | null;
  /**
   * The measured window's CPU around the server: its core use and wait (% of one core), its generators' use,
   * PostgreSQL's backends per answered message (µs; null on KV). Tells an idle server waiting on its database
   * from one waiting for its core.
   */
  msgCpu:
    | { serverPct: number | null; waitPct: number; generatorPct: number; postgresUs: number | null }
    | null;
  /** Our store's group commits in the measured window (from the server's /metrics; null for a peer). */
  commits: CommitWindow | null;
}

/** `name[@checkout][:KEY=VALUE,...]`. */
export function parseVariant(text: string): Variant {
  const colon = text.indexOf(":");
  const head = colon < 0 ? text : text.slice(0, colon);
  const pairs = colon < 0 ? [] : text.slice(colon + 1).split(",").filter(Boolean);
  const [name, root] = head.split("@");
  if (!name) throw new Error(`--variant needs a name, got "${text}"`);
  const env: Record<string, string> = {};
  let last: string | null = null;
  for (const pair of pairs) {
    // DENO_V8_FLAGS=--a,--b: a part starting with "-" continues the previous value (V8's flags are
    // comma-separated there).
    if (pair.startsWith("-") && last !== null) {
      env[last] += `,${pair}`;
      continue;
    }
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--variant settings are KEY=VALUE, got "${pair}" in "${text}"`);
    last = pair.slice(0, at);
    env[last] = pair.slice(at + 1);
  }
  return { name, root: root || undefined, env };
}

const PEER_SCRIPTS: Record<string, string> = {
  raw: "bench/peers/raw_deno.ts",
  "ocpp-rpc": "bench/peers/ocpp_rpc.ts",
};

function storeName(variant: Variant, run: number): string {
  return `${variant.name}_${run}`;
}

async function serverSpec(
  variant: Variant,
  store: "kv" | "postgres",
  stores: BenchStores,
  stations: number,
  run: number,
  profileDir: string | null,
): Promise<ServerSpec> {
  const root = variant.root ? { root: variant.root } : {};
  const peer = PEER_SCRIPTS[variant.name];
  // A peer takes a variant's settings too (DENO_V8_FLAGS, BENCH_ECHO_STDOUT: the same GC trace as ours).
  if (peer) return { name: variant.name, script: peer, env: { ...variant.env }, core: SERVER_CORE, ...root };
  return {
    name: variant.name,
    script: OUR_SERVER_SCRIPT,
    env: {
      ...await stores.create(store, storeName(variant, run)),
      MAX_CONNECTIONS: String(Math.max(19_000, stations + 100)),
      // An admin, for the API token that reads /metrics (the window's group commits).
      ADMIN_USER: BENCH_ADMIN.username,
      ADMIN_PASSWORD: BENCH_ADMIN.password,
      ...OUR_SERVER_ENV,
      ...(profileDir ? { BENCH_CPU_PROFILE: profileDir } : {}),
      ...variant.env,
    },
    core: SERVER_CORE,
    ...root,
  };
}

async function measure(
  variant: Variant,
  o: {
    stations: number;
    rate: number;
    saturateS: number;
    preludeS: number;
    fixedPerS: number | null;
    mix: Mix;
    store: "kv" | "postgres";
    profile: boolean;
    keepProfiles: boolean;
    heapProfile: boolean;
  },
  stores: BenchStores,
  run: number,
): Promise<Run> {
  const ours = !PEER_SCRIPTS[variant.name];
  const database = ours && o.store === "postgres" ? storeName(variant, run) : null;
  const profileDir = o.profile && ours ? await Deno.makeTempDir({ prefix: "transport-cost-" }) : null;
  const heapDir = o.heapProfile && ours ? await Deno.makeTempDir({ prefix: "transport-heap-" }) : null;
  const spec = await serverSpec(variant, o.store, stores, o.stations, run, profileDir);
  if (heapDir) spec.env = { ...spec.env, BENCH_HEAP_PROFILE: heapDir };
  const server = await spawnServer(run, spec);
  const generators: GeneratorChild[] = [];
  try {
    await sleep(1000);
    // As the peers footprint: one generator process per 5,000 stations (the boot rate is open loop).
    const processes = Math.ceil(o.stations / 5000);
    const per = Math.ceil(o.stations / processes);
    for (let first = 0; first < o.stations; first += per) {
      generators.push(spawnGenerator(run * 10 + generators.length, server.index, {
        url: `ws://127.0.0.1:${server.port}/ocpp`,
        prefix: "TC-",
        first,
        stations: Math.min(per, o.stations - first),
        idTag: BENCH_ID_TAG,
      }, GENERATOR_CORE));
    }
    await Promise.all(generators.map((g) => g.mark()));
    if (profileDir) await server.cutProfile();
    const before = cpuOf(server);
    const interval = startCpuInterval(server, generators, database, stores);
    const reports = await Promise.all(generators.map((g) =>
      g.connect({
        prepare: "boot",
        ratePerS: o.rate / generators.length,
        deadlineMs: Math.max(30_000, o.stations / o.rate * 4000),
      })
    ));
    await sleep(2000);
    const after = cpuOf(server);
    const usage = await interval();
    if (profileDir) await printProfile(server, `${variant.name} boot`, o.keepProfiles);
    const ready = reports.reduce((sum, r) => sum + r.ready, 0);
    const latency = new Histogram();
    for (const r of reports) latency.merge(r.bootLatency);
    const bootCpu = after.total - before.total;
    const result: Run = {
      variant: variant.name,
      bootS: ready === o.stations
        ? Math.round(Math.max(...reports.map((r) => r.lastReadyMs)) / 10) / 100
        : null,
      ready,
      bootUsPerStation: ready ? Math.round(bootCpu / ready * 1e6) : null,
      bootMainPct: bootCpu > 0 ? Math.round((after.main - before.main) / bootCpu * 100) : null,
      bootThreadsUs: ready ? cpuByThreadPer(before.threads, after.threads, ready) : {},
      bootWaitPct: usage.serverWaitPct,
      bootOtherCores: usage.otherCores,
      bootPostgresUs: usage.postgresCpuS === null || !ready
        ? null
        : Math.round(usage.postgresCpuS / ready * 1e6),
      bootLatency: latency.summary(),
      msgsPerS: null,
      usPerMsg: null,
      msgThreadsUs: {},
      msgLatency: null,
      msgCpu: null,
      commits: null,
    };
    if (o.saturateS > 0 && ready > 0) {
      if (o.preludeS > 0) {
        // As before the peers run's fixed-rate windows: a saturation with transactions on the same store first.
        await Promise.all(generators.map((g) => g.run({ mix: saturationMix("transaction") })));
        await sleep(o.preludeS * 1000);
        await Promise.all(generators.map((g) => g.stop(3000)));
        await sleep(2000);
      }
      const scrape = ours ? await metricsScraper(`http://127.0.0.1:${server.port}`) : null;
      const ratePerS = o.fixedPerS === null ? {} : { ratePerS: o.fixedPerS / generators.length };
      await Promise.all(generators.map((g) => g.run({ mix: o.mix, ...ratePerS })));
      await sleep(1000);
      await Promise.all(generators.map((g) => g.mark()));
      if (profileDir || heapDir) await server.cutProfile(); // what came before the window: dropped
      const commitsBefore = await scrape?.();
      const start = cpuOf(server);
      const windowCpu = startCpuInterval(server, generators, database, stores);
      await sleep(o.saturateS * 1000);
      const end = cpuOf(server);
      const commitsAfter = await scrape?.();
      const windowUsage = await windowCpu();
      if (profileDir) await printProfile(server, `${variant.name} saturation`, o.keepProfiles);
      if (heapDir) await printHeapProfile(server, `${variant.name} window`, o.keepProfiles);
      const window = mergeWindows(await Promise.all(generators.map((g) => g.stop(3000))));
      if (commitsBefore && commitsAfter) {
        result.commits = commitWindow(commitsBefore, commitsAfter, o.saturateS);
      }
      result.msgsPerS = window.perS;
      result.msgLatency = window.all.summary();
      result.usPerMsg = window.all.count
        ? Math.round((end.total - start.total) / window.all.count * 1e7) / 10
        : null;
      if (window.all.count) {
        result.msgThreadsUs = cpuByThreadPer(start.threads, end.threads, window.all.count);
        result.msgCpu = {
          serverPct: windowUsage.serverCpuPct,
          waitPct: windowUsage.serverWaitPct,
          generatorPct: windowUsage.generatorCpuPct,
          postgresUs: windowUsage.postgresCpuS === null
            ? null
            : Math.round(windowUsage.postgresCpuS / window.all.count * 1e7) / 10,
        };
      }
    }
    return result;
  } finally {
    await Promise.all(generators.map((g) => g.exit(10_000)));
    await stopProcess(server.child, 10_000);
    for (const dir of [profileDir, heapDir]) {
      if (dir && !o.keepProfiles) await Deno.remove(dir, { recursive: true });
    }
  }
}

/**
 * Reads the group commits from our server's /metrics (an operator token made once, as an operator's tool
 * would). Taken just before and after the window: the scrape itself is one small request.
 */
async function metricsScraper(baseUrl: string): Promise<() => Promise<CommitScrape>> {
  const token = await operatorToken(baseUrl);
  return async () => {
    const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`);
    return parseCommitScrape(text);
  };
}

/** The closed-loop mixes a station can saturate with (the others need a transaction from a ramp). */
function saturationMix(name: string): Mix {
  if (name !== "plain" && name !== "heartbeat" && name !== "transaction") {
    throw new Error(`--mix must be plain, heartbeat or transaction, got "${name}"`);
  }
  return name;
}

function cpuOf(server: ServerChild): { total: number; main: number; threads: Record<string, number> } {
  const threads = readThreadCpu(server.pid);
  return { total: readCpuS(server.pid) ?? 0, main: threads.main ?? 0, threads };
}

/** CPU µs per `count` (booted stations, answered messages) by thread name between two readings, busiest first. */
function cpuByThreadPer(
  before: Record<string, number>,
  after: Record<string, number>,
  count: number,
): Record<string, number> {
  const out: Array<[string, number]> = [];
  for (const [name, s] of Object.entries(after)) {
    const us = Math.round((s - (before[name] ?? 0)) / count * 1e6);
    if (us > 0) out.push([name, us]);
  }
  return Object.fromEntries(out.sort((a, b) => b[1] - a[1]));
}

async function printProfile(server: ServerChild, label: string, keep: boolean): Promise<void> {
  const path = await server.cutProfile();
  if (!path) return;
  if (keep) console.log(`\n${label}: profile kept in ${path}`);
  const summary = summariseProfile(JSON.parse(await Deno.readTextFile(path)), 25);
  console.log(`\n${label}: ${summary.samples} samples`);
  for (const f of summary.functions) console.log(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.name}`);
  console.log("  by file:");
  for (const f of summary.files.slice(0, 12)) console.log(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.file}`);
}

/** Cuts the heap profile of the window and prints where its promoted bytes come from. */
async function printHeapProfile(server: ServerChild, label: string, keep: boolean): Promise<void> {
  const path = await server.cutProfile();
  if (!path) return;
  const summary = summariseHeapProfile(JSON.parse(await Deno.readTextFile(path)), 25);
  console.log(`\n${label}:`);
  for (const line of heapSummaryLines(summary)) console.log(`  ${line}`);
  if (keep) console.log(`  profile kept in ${path}`);
}

export function windowCpuText(c: NonNullable<Run["msgCpu"]>): string {
  return `server ${c.serverPct}% of a core, waited for it ${c.waitPct}%, generators ${c.generatorPct}%` +
    (c.postgresUs === null ? "" : `, PostgreSQL ${c.postgresUs} µs per message`);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summary(runs: Run[], field: keyof Run): string {
  return summaryOf(runs.map((r) => r[field]));
}

function summaryOf(all: unknown[]): string {
  const values = all.filter((v): v is number => typeof v === "number");
  if (values.length === 0) return "-";
  const round = (n: number) => Math.round(n * 100) / 100;
  return `${round(median(values)!)} (${round(Math.min(...values))}-${round(Math.max(...values))})`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      stations: { type: "string", default: "2000" },
      rate: { type: "string", default: "2000" },
      store: { type: "string", default: "kv" },
      pairs: { type: "string", default: "2" },
      saturate: { type: "string", default: "0" },
      prelude: { type: "string", default: "0" },
      fixed: { type: "string" },
      mix: { type: "string", default: "plain" },
      variant: { type: "string", multiple: true, default: [] },
      profile: { type: "boolean", default: false },
      "keep-profiles": { type: "boolean", default: false },
      "heap-profile": { type: "boolean", default: false },
      pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    },
  });
  const store = values.store;
  if (store !== "kv" && store !== "postgres") {
    throw new Error(`--store must be kv or postgres, got "${store}"`);
  }
  const variants = (values.variant ?? []).map(parseVariant);
  if (variants.length === 0) throw new Error("Give at least one --variant (e.g. node:HTTP_SERVER=node)");
  const o = {
    stations: Number(values.stations),
    rate: Number(values.rate),
    saturateS: Number(values.saturate),
    preludeS: Number(values.prelude),
    fixedPerS: values.fixed === undefined ? null : Number(values.fixed),
    mix: saturationMix(values.mix!),
    store: store as "kv" | "postgres",
    profile: values.profile! || (values["keep-profiles"]! && !values["heap-profile"]!),
    keepProfiles: values["keep-profiles"]!,
    heapProfile: values["heap-profile"]!,
  };
  if (o.profile && o.heapProfile) throw new Error("--profile and --heap-profile both use SIGUSR1: give one");
  const stores = new BenchStores(values.pg!);
  const runs: Run[] = [];
  let n = 0;
  try {
    for (let pair = 0; pair < Number(values.pairs); pair++) {
      for (const variant of variants) {
        const r = await measure(variant, o, stores, n++);
        runs.push(r);
        log(
          `${r.variant}: ${r.ready}/${o.stations} booted in ${
            r.bootS ?? "-"
          } s, ${r.bootUsPerStation} µs CPU ` +
            `per boot (main thread ${r.bootMainPct}%), boot latency p50 ${r.bootLatency.p50} p99 ${r.bootLatency.p99} ` +
            `max ${r.bootLatency.max} ms; server waited for a core ${r.bootWaitPct}%, other load ${r.bootOtherCores} ` +
            `cores` + (r.bootPostgresUs === null ? "" : `, PostgreSQL ${r.bootPostgresUs} µs per boot`) +
            `; µs per boot by thread ${JSON.stringify(r.bootThreadsUs)}` +
            (r.usPerMsg === null
              ? ""
              : `; ${o.fixedPerS === null ? "saturation" : `fixed ${o.fixedPerS}/s`} (${o.mix}) ` +
                `${r.msgsPerS} msgs/s, ${r.usPerMsg} µs CPU per message, by thread ` +
                JSON.stringify(r.msgThreadsUs) +
                (r.msgLatency ? `, p50 ${r.msgLatency.p50} p99 ${r.msgLatency.p99} ms` : "") +
                (r.msgCpu ? `; window: ${windowCpuText(r.msgCpu)}` : "") +
                (r.commits ? `; ${commitWindowText(r.commits)}` : "")),
        );
      }
    }
  } finally {
    await stores.close();
  }
  console.log(
    `\n${o.stations} stations at ${o.rate}/s on ${o.store}; median (range) of ${values.pairs} run(s)`,
  );
  console.log(
    "| variant | boot s | CPU µs per boot | main thread % | msgs/s | CPU µs per msg | p50 ms | p99 ms |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const v of variants) {
    const mine = runs.filter((r) => r.variant === v.name);
    console.log(
      `| ${v.name} | ${summary(mine, "bootS")} | ${summary(mine, "bootUsPerStation")} | ` +
        `${summary(mine, "bootMainPct")} | ${summary(mine, "msgsPerS")} | ${summary(mine, "usPerMsg")} | ` +
        `${summaryOf(mine.map((r) => r.msgLatency?.p50))} | ${
          summaryOf(mine.map((r) => r.msgLatency?.p99))
        } |`,
    );
  }
}
