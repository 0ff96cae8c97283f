/**
 * `deno task bench --peers` (issue 19): the same load generator and flags against four servers in one run:
 * a raw Deno WebSocket echo (`peers/raw_deno.ts`), a strict ocpp-rpc server (`peers/ocpp_rpc.ts`), and ours on
 * KV and on PostgreSQL (a fresh database). Each server is pinned to core 1, its generators to core 0.
 *
 * 1. Footprint and boot, one server at a time on a fresh process: `--footprint-stations` connect and boot at
 *    `--boot-rate` per second (open loop); boot time = first connect to last BootNotification answered; then a
 *    full GC and RSS per held station = (RSS after - RSS before) / stations.
 * 2. Throughput, all servers up (fresh processes), `--stations` booted on each. Every scenario runs on each
 *    server in turn (interleaved, `--rounds` times; the window with the least other load on the machine
 *    counts): saturation (closed loop, Heartbeat/MeterValues), saturation with transactions, and each fixed
 *    `--rates` (open loop, Heartbeat/MeterValues). Each window first waits (up to 30 s) until every server of
 *    the run is idle (`quiet.ts`: a KV server applies its journal for seconds after a saturation window, on the
 *    core the next server measured runs on), then `--warmup` s of the same load, then `--window` s measured:
 *    answers, latency, server CPU (/proc utime+stime) per answer, generator CPU, other load.
 */
import type { GeneratorChild } from "../generator/child.ts";
import { mergeWindows } from "../generator/merged_window.ts";
import type { Mix } from "../generator/mixes.ts";
import { Histogram } from "../histogram.ts";
import type { PeersOptions, PeerTarget } from "../options.ts";
import {
  conditionsTable,
  figuresOf,
  figureSpecs,
  machineLine,
  markdownTable,
  type PeerFigures,
  type PeerFootprint,
  type PeerWindow,
  quietestWindows,
  ratioLines,
  ratiosOf,
  TARGET_NAMES,
} from "../peers_report.ts";
import { tasksetAvailable } from "../pinning.ts";
import { type ProfileSummary, summariseProfile } from "../profile.ts";
import { readProc, readThreadCpu, threadCpuPct } from "../proc.ts";
import { type BenchResultMeta, mb, sumRecords, writeResult } from "../results.ts";
import { type MemoryProbe, OUR_SERVER_SCRIPT, type ServerChild, type ServerSpec } from "../server_launch.ts";
import { BenchStores } from "../stores.ts";
import { log, sleep } from "../timeline.ts";
import { startCpuInterval } from "./cpu_interval.ts";
import { waitForQuiet } from "./quiet.ts";
import { Fleet, GENERATOR_CORE, SERVER_CORE } from "./fleet.ts";

interface Scenario {
  id: string;
  mix: Mix;
  /** Offered msgs/s from all stations; absent: saturation (closed loop). */
  ratePerS?: number;
}

/** A server of the throughput phase with its booted stations. */
interface Live {
  target: PeerTarget;
  server: ServerChild;
  generators: GeneratorChild[];
}

export async function runPeers(o: PeersOptions, meta: BenchResultMeta): Promise<number> {
  if (o.pin && !tasksetAvailable()) {
    throw new Error(
      "Cannot pin the servers to a core: taskset is missing (apt-get install util-linux), or pass --no-pin",
    );
  }
  if (o.pin && navigator.hardwareConcurrency < 2) throw new Error("Pinning needs 2 cores; pass --no-pin");
  const started = performance.now();
  const stores = new BenchStores(o.pg);
  let fleet: Fleet | null = null;
  let profileDir: string | null = null;
  const onInterrupt = () => {
    log("interrupted: stopping children");
    void fleet?.kill();
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const load = Deno.loadavg()[0]!;
    log(
      `peers: ${o.targets.join(", ")}; ${o.stations} stations, footprint ${o.footprintStations} at ` +
        `${o.bootRatePerS}/s, windows ${o.warmupS}+${o.windowS} s x ${o.rounds} round(s); load average ${load}` +
        (load > 0.5 ? " (the machine is busy: expect noisy figures; ratios of one run are what count)" : ""),
    );
    profileDir = o.profile ? await Deno.makeTempDir({ prefix: "csms-bench-profile-" }) : null;
    const specs = new Map<PeerTarget, ServerSpec>();
    for (const target of o.targets) specs.set(target, await serverSpec(target, o, stores, profileDir));
    fleet = new Fleet(specs, o.pin, o.generators);

    const footprints: PeerFootprint[] = [];
    for (const target of o.targets) footprints.push(await measureFootprint(fleet, target, o, stores));

    const live: Live[] = [];
    if (!o.footprintOnly) {
      for (const target of o.targets) live.push(await bootForThroughput(fleet, target, o));
    }
    const scenarios: Scenario[] = o.footprintOnly ? [] : [
      { id: "saturation", mix: "plain" },
      { id: "saturation-tx", mix: "transaction" },
      ...o.rates.map((r): Scenario => ({ id: `fixed-${r}`, mix: "plain", ratePerS: r })),
    ];
    const windows: PeerWindow[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      for (const scenario of scenarios) {
        for (const t of live) windows.push(await measureWindow(t, live, scenario, round, o, stores));
      }
    }
    for (const t of live) await fleet.retire(t.server, t.generators);

    await report(o, meta, specs, footprints, windows, (performance.now() - started) / 60_000);
    const failed = windows.some((w) => w.unexpectedCloses > 0) || footprints.some((f) => f.bootS === null);
    return failed ? 1 : 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    await fleet?.kill();
    await stores.close();
    if (profileDir) await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}

/** What our server runs with in this benchmark besides its store (the smoke test starts it the same way). */
export const OUR_SERVER_ENV = {
  // The benchmark's stations send far above a real station's rate; keep the limiter running, never refusing.
  STATION_MSG_RATE: "100000",
};

async function serverSpec(
  target: PeerTarget,
  o: PeersOptions,
  stores: BenchStores,
  profileDir: string | null,
): Promise<ServerSpec> {
  if (target === "raw") {
    // BENCH_RAW_SCRIPT: another bare server in the raw slot, for socket-layer experiments (peers/raw_ws_node.ts).
    return { name: target, script: Deno.env.get("BENCH_RAW_SCRIPT") ?? "bench/peers/raw_deno.ts", env: {} };
  }
  if (target === "ocpp-rpc") return { name: target, script: "bench/peers/ocpp_rpc.ts", env: {} };
  return {
    name: target,
    script: OUR_SERVER_SCRIPT,
    env: {
      ...await stores.create(target, target),
      MAX_CONNECTIONS: String(Math.max(19_000, o.footprintStations + 100)),
      ...OUR_SERVER_ENV,
      ...(profileDir ? { BENCH_CPU_PROFILE: profileDir } : {}),
      ...o.serverEnv,
    },
  };
}

/** Boot time and RSS per held station, on a fresh server process that is stopped afterwards. */
async function measureFootprint(
  fleet: Fleet,
  target: PeerTarget,
  o: PeersOptions,
  stores: BenchStores,
): Promise<PeerFootprint> {
  const server = await fleet.startServer(target);
  await sleep(1000);
  const before = { probe: await server.probeMemory(), proc: readProc(server.pid) };
  // The settled figure's baseline: the same process after the same idle time, so that the start-up garbage V8's
  // memory reducer returns ~30 s after start is not counted as the stations' saving.
  const idle = await idleBaseline(server, o.settleS);
  const generators = await fleet.startGenerators(server, o.footprintStations, "FP-", footprintProcesses(o));
  const nominalMs = o.footprintStations / o.bootRatePerS * 1000;
  const cpu = startCpuInterval(server, generators, null, stores);
  const reports = await Promise.all(generators.map((g) =>
    g.connect({
      prepare: "boot",
      ratePerS: o.bootRatePerS / generators.length,
      deadlineMs: Math.max(30_000, nominalMs * 4),
    })
  ));
  const during = await cpu();
  await sleep(o.quick ? 2000 : 3000);
  const after = { probe: await server.probeMemory(), proc: readProc(server.pid) };
  const ready = reports.reduce((a, r) => a + r.ready, 0);
  const bootLatency = new Histogram();
  for (const r of reports) bootLatency.merge(r.bootLatency);
  const perStation = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || ready === 0 ? null : Math.round((b - a) / ready);
  const footprint: PeerFootprint = {
    target,
    stations: o.footprintStations,
    ready,
    failed: reports.reduce((a, r) => a + r.failed + r.notAttempted, 0),
    bootRatePerS: o.bootRatePerS,
    bootS: ready === o.footprintStations
      ? Math.round(Math.max(...reports.map((r) => r.lastReadyMs)) / 10) / 100
      : null,
    bootLatencyMs: bootLatency.summary(),
    rssBeforeMB: before.proc ? mb(before.proc.rss) : null,
    rssAfterMB: after.proc ? mb(after.proc.rss) : null,
    rssPerStationBytes: perStation(before.proc?.rss, after.proc?.rss),
    heapPerStationBytes: perStation(before.probe?.heapUsed, after.probe?.heapUsed),
    heapTotalPerStationBytes: perStation(before.probe?.heapTotal, after.probe?.heapTotal),
    externalPerStationBytes: perStation(before.probe?.external, after.probe?.external),
    ...await settle(server, o.settleS, idle ?? before, ready),
    ...(idle
      ? { rssIdleBaselineMB: idle.proc ? mb(idle.proc.rss) : null, rssBaselineSettlingMB: idle.settlingMB }
      : {}),
    serverCpuPctDuringBoot: during.serverCpuPct,
    generatorCpuPctDuringBoot: during.generatorCpuPct,
    otherCores: during.otherCores,
  };
  const errors = sumRecords(reports.map((r) => r.errors));
  log(
    `${target}: ${ready}/${o.footprintStations} booted in ${footprint.bootS ?? "-"} s; RSS ` +
      `${footprint.rssBeforeMB} -> ${footprint.rssAfterMB} MB (${footprint.rssPerStationBytes} B/station; V8 heap ` +
      `used ${footprint.heapPerStationBytes}, reserved ${footprint.heapTotalPerStationBytes}, external ` +
      `${footprint.externalPerStationBytes} B/station)` +
      (o.settleS > 0
        ? `; after ${o.settleS} s more idle ${footprint.rssSettledPerStationBytes} B/station against the ` +
          `idle baseline ${footprint.rssIdleBaselineMB} MB (RSS every 5 s before the boot: ` +
          `${footprint.rssBaselineSettlingMB?.join(", ")} MB; after it: ${
            footprint.rssSettlingMB?.join(", ")
          } MB)`
        : "") +
      (Object.keys(errors).length ? `; errors ${JSON.stringify(errors)}` : ""),
  );
  await fleet.retire(server, generators);
  return footprint;
}

type MemoryReading = { probe: MemoryProbe | null; proc: { rss: number } | null };

/** RSS (MB, no GC) every 5 s for `seconds` of idle time. */
async function idleFor(server: ServerChild, seconds: number): Promise<number[]> {
  const settlingMB: number[] = [];
  for (let waited = 0; waited < seconds; waited += 5) {
    await sleep(Math.min(5, seconds - waited) * 1000);
    const proc = readProc(server.pid);
    if (proc) settlingMB.push(mb(proc.rss));
  }
  return settlingMB;
}

/** The baseline for the settled reading: `settleS` idle seconds before any station, then a full GC. */
async function idleBaseline(
  server: ServerChild,
  settleS: number,
): Promise<(MemoryReading & { settlingMB: number[] }) | null> {
  if (settleS <= 0) return null;
  const settlingMB = await idleFor(server, settleS);
  return { probe: await server.probeMemory(), proc: readProc(server.pid), settlingMB };
}

/**
 * The second footprint reading: `settleS` more idle seconds (RSS read every 5 s on the way, no GC), then a full
 * GC and RSS per station again. V8 returns the heap reserved during a burst only through its memory reducer,
 * which waits for idle time (and not before 30 s after the process started), so the first reading, 3 s after
 * the boot, still holds that reserve in every server.
 */
async function settle(
  server: ServerChild,
  settleS: number,
  before: MemoryReading,
  ready: number,
): Promise<
  Pick<
    PeerFootprint,
    "settleS" | "rssSettledPerStationBytes" | "heapTotalSettledPerStationBytes" | "rssSettlingMB"
  >
> {
  if (settleS <= 0) return {};
  const settlingMB = await idleFor(server, settleS);
  const probe = await server.probeMemory();
  const proc = readProc(server.pid);
  const perStation = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || ready === 0 ? null : Math.round((b - a) / ready);
  return {
    settleS,
    rssSettledPerStationBytes: perStation(before.proc?.rss, proc?.rss),
    heapTotalSettledPerStationBytes: perStation(before.probe?.heapTotal, probe?.heapTotal),
    rssSettlingMB: settlingMB,
  };
}

/** Generator processes for the footprint: one per 5,000 stations at least, as the boot rate is open loop. */
function footprintProcesses(o: PeersOptions): number {
  return Math.max(o.generators, Math.ceil(o.footprintStations / 5000));
}

/** A fresh server with `--stations` booted, for the throughput scenarios. */
async function bootForThroughput(fleet: Fleet, target: PeerTarget, o: PeersOptions): Promise<Live> {
  const server = await fleet.startServer(target);
  const generators = await fleet.startGenerators(server, o.stations, "ST-");
  const reports = await Promise.all(generators.map((g) => g.connect({ prepare: "boot", concurrency: 50 })));
  const ready = reports.reduce((a, r) => a + r.ready, 0);
  if (ready < o.stations) {
    throw new Error(
      `Only ${ready} of ${o.stations} stations booted on ${target}: ` +
        JSON.stringify(sumRecords(reports.map((r) => r.errors))),
    );
  }
  log(`${target}: ${ready} stations booted (pid ${server.pid}, port ${server.port})`);
  return { target, server, generators };
}

/** One scenario on one server: warm-up, then the measured window; the load stops and drains afterwards. */
async function measureWindow(
  t: Live,
  all: readonly Live[],
  scenario: Scenario,
  round: number,
  o: PeersOptions,
  stores: BenchStores,
): Promise<PeerWindow> {
  // The servers share core 1: the one measured must not pay for what the window before left another.
  const quiet = await waitForQuiet(all.map((l) => l.server.pid));
  if (!quiet.quiet) {
    log(
      `${t.target} ${scenario.id}: the servers were still busy after ${quiet.waitedMs} ms; measuring anyway`,
    );
  }
  const share = scenario.ratePerS === undefined ? {} : { ratePerS: scenario.ratePerS / t.generators.length };
  await Promise.all(t.generators.map((g) => g.run({ mix: scenario.mix, ...share })));
  await sleep(o.warmupS * 1000);
  await Promise.all(t.generators.map((g) => g.mark()));
  await t.server.cutLag(); // what came before the window: dropped
  const profiling = o.profile && isOurs(t.target) && scenario.ratePerS === undefined;
  if (profiling) await t.server.cutProfile(); // what came before the window: dropped
  const threadsBefore = readThreadCpu(t.server.pid);
  const cpu = startCpuInterval(t.server, t.generators, t.target === "postgres" ? t.target : null, stores);
  await sleep(o.windowS * 1000);
  const usage = await cpu();
  const loopLagMs = await t.server.cutLag();
  const threads = threadCpuPct(threadsBefore, readThreadCpu(t.server.pid), usage.seconds);
  const profile = profiling ? await windowProfile(t, scenario.id) : undefined;
  const m = mergeWindows(await Promise.all(t.generators.map((g) => g.stop(o.quick ? 3000 : 5000))));
  const replies = m.all.count;
  const perMsg = (cpuS: number | null) =>
    cpuS === null || replies === 0 ? null : Math.round(cpuS / replies * 1e7) / 10;
  const w: PeerWindow = {
    target: t.target,
    scenario: scenario.id,
    round,
    seconds: Math.round(usage.seconds * 100) / 100,
    targetPerS: scenario.ratePerS ?? null,
    sent: m.sent,
    replies,
    perS: m.perS,
    latencyMs: m.all.summary(),
    byActionMs: Object.fromEntries([...m.byAction].map(([a, h]) => [a, h.summary()])),
    callErrors: m.callErrors,
    timeouts: m.timeouts,
    busySkips: m.busySkips,
    unexpectedCloses: m.unexpectedCloses,
    unanswered: m.unanswered,
    badFrames: m.badFrames,
    serverCpuPct: usage.serverCpuPct ?? 0,
    serverWaitPct: usage.serverWaitPct,
    serverCpuUsPerMsg: perMsg(usage.serverCpuS),
    serverThreadsPct: threads,
    postgresCpuUsPerMsg: perMsg(usage.postgresCpuS),
    generatorCpuPct: usage.generatorCpuPct,
    generatorWaitPct: usage.generatorWaitPct,
    irqCores: usage.irqCores,
    otherCores: usage.otherCores,
    loopLagMs,
    quietWaitMs: quiet.waitedMs,
    ...(profile === undefined ? {} : { profile }),
  };
  const errors = Object.keys(w.callErrors).length || w.timeouts
    ? `, errors ${JSON.stringify(w.callErrors)} timeouts ${w.timeouts}`
    : "";
  log(
    `round ${round} ${scenario.id} ${t.target}: ${w.perS.toLocaleString("en-US")} msgs/s, p50 ` +
      `${w.latencyMs.p50} p99 ${w.latencyMs.p99} ms, event-loop lag p99 ${
        loopLagMs?.p99 ?? "-"
      } ms, server ${w.serverCpuPct}% (${w.serverCpuUsPerMsg} µs/msg` +
      `${w.postgresCpuUsPerMsg === null ? "" : ` + ${w.postgresCpuUsPerMsg} in PostgreSQL`}, ` +
      `waited ${w.serverWaitPct}%), generators ${w.generatorCpuPct}%, other ${w.otherCores} cores${errors}; ` +
      `the servers were quiet after ${quiet.waitedMs} ms`,
  );
  return w;
}

function isOurs(target: PeerTarget): boolean {
  return target === "kv" || target === "postgres";
}

/** The CPU profile of the window (kept in $TMPDIR, megabytes), summarised and its top printed. */
async function windowProfile(t: Live, scenario: string): Promise<ProfileSummary | null> {
  const path = await t.server.cutProfile();
  if (!path) return null;
  const kept =
    `${Deno.env.get("TMPDIR") ?? "/tmp"}/csms-bench-${Date.now().toString(36)}-${t.target}-${scenario}` +
    ".cpuprofile";
  await Deno.copyFile(path, kept);
  const summary = summariseProfile(JSON.parse(await Deno.readTextFile(path)), 30);
  const top = (rows: { pct: number }[], name: (r: never) => string) =>
    rows.slice(0, 12).map((r) => `${name(r as never)} ${r.pct}%`).join(", ");
  log(`${t.target} ${scenario} profile (${kept}): ${top(summary.files, (r: { file: string }) => r.file)}`);
  log(`${t.target} ${scenario} functions: ${top(summary.functions, (r: { name: string }) => r.name)}`);
  return summary;
}

/** Figures, ratios and the table: printed, and written into bench/results/ unless --no-write. */
async function report(
  o: PeersOptions,
  meta: BenchResultMeta,
  specs: Map<PeerTarget, ServerSpec>,
  footprints: PeerFootprint[],
  windows: PeerWindow[],
  minutes: number,
): Promise<void> {
  const counted = quietestWindows(windows);
  const figures: Partial<Record<PeerTarget, PeerFigures>> = {};
  for (const target of o.targets) {
    figures[target] = figuresOf(target, counted, footprints.find((f) => f.target === target), o.rates);
  }
  const figureList = figureSpecs(o.rates, o.footprintStations, o.bootRatePerS, o.settleS);
  const ratios = ratiosOf(figures, figureList);
  const table = markdownTable(figures, ratios, figureList);
  const conditions = conditionsTable(counted);
  const lines = ratioLines(ratios, figureList);
  const otherMax = windows.length === 0 ? null : Math.max(...windows.map((w) => w.otherCores));
  const result = {
    meta: { ...meta, label: o.label, minutes: Math.round(minutes * 100) / 100 },
    options: o,
    notes: {
      ratio: "ours ÷ peer: above 1 is better for msgs/s, worse for ms, µs, KB and s",
      pinning: o.pin
        ? `servers on core ${SERVER_CORE}, generators on core ${GENERATOR_CORE}; PostgreSQL unpinned`
        : "none",
      counted: "per server and scenario, the window with the least other load (otherCores) of its rounds",
      waited:
        "serverWaitPct/generatorWaitPct: threads runnable but waiting for a core (/proc/<pid>/task/*/schedstat)",
      ourServerEnv: specs.get("kv")?.env ?? specs.get("postgres")?.env ?? null,
      scripts: Object.fromEntries([...specs].map(([t, spec]) => [t, spec.script])),
    },
    servers: Object.fromEntries(o.targets.map((t) => [t, TARGET_NAMES[t]])),
    figures,
    ratios,
    ratioLines: lines,
    footprints,
    windows,
    otherCoresMax: otherMax,
    loadAverageAtEnd: Deno.loadavg(),
  };
  const machine = machineLine(otherMax, meta.loadAverageAtStart);
  console.log(
    `\n${table}\n${lines.join("\n")}\n\nConditions of the counted windows:\n\n${conditions}\n${machine}`,
  );
  if (o.write) {
    const name = `${meta.date.slice(0, 10)}-peers${o.quick ? "-quick" : ""}${o.label ? `-${o.label}` : ""}`;
    await writeResult(`${name}.json`, result);
    await writeResult(
      `${name}.md`,
      `# bench --peers, ${meta.date.slice(0, 16)}Z, commit ${meta.commit}${
        meta.dirty ? " (dirty)" : ""
      }\n\n` +
        `${table}\n${lines.map((l) => `- ${l}`).join("\n")}\n\nConditions of the counted windows:\n\n` +
        `${conditions}\n${machine}\n\nFull figures: \`${name}.json\`.\n`,
    );
  }
  log(`done in ${minutes.toFixed(1)} minutes`);
}
