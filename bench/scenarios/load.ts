/**
 * The many-station load run (`deno task bench`, no `--peers`): server processes (`main.ts` with the probes)
 * on their own stores, load generators against them; every station ramps up (connect, boot, start a
 * transaction), then a steady mix runs at one CALL per station every `--interval` seconds while operator
 * commands go through the API. The result: ramp time, footprint per station, latency, CPU, logs, shutdown.
 */
import { type GeneratorChild, spawnGenerator } from "../generator/child.ts";
import type { ConnectReport } from "../generator/load_generator.ts";
import { mergeWindows } from "../generator/merged_window.ts";
import { Histogram } from "../histogram.ts";
import { BENCH_ADMIN, operatorToken, runOperatorCommands } from "../operator_commands.ts";
import type { LoadOptions } from "../options.ts";
import {
  countOpenFiles,
  machinePct,
  type ProcSample,
  readMachineCpu,
  readProc,
  readThreadCpu,
  threadCpuPct,
} from "../proc.ts";
import { type ProfileSummary, summariseProfile } from "../profile.ts";
import { printReport } from "../report.ts";
import { type BenchResultMeta, mb, sumRecords, writeResult } from "../results.ts";
import {
  emptyLogCounts,
  type LogCounts,
  type MemoryProbe,
  OUR_SERVER_SCRIPT,
  type ServerChild,
  spawnServer,
  stopProcess,
} from "../server_launch.ts";
import { backendCpuDelta, BENCH_ID_TAG, BenchStores, diffPostgresStats } from "../stores.ts";
import { log, sleep } from "../timeline.ts";

/** The store of server `i`: its own, or in a cluster the one they share. */
let clusterRun = false;
const storeName = (i: number) => clusterRun ? "cluster" : `server_${i}`;
const baseUrl = (s: ServerChild) => `http://127.0.0.1:${s.port}`;

/** Runs the load scenario; resolves with the process exit code (1 when stations failed or timed out). */
export async function runLoad(o: LoadOptions, meta: BenchResultMeta): Promise<number> {
  clusterRun = o.cluster;
  const stores = new BenchStores(o.pg);
  const servers: ServerChild[] = [];
  const generators: GeneratorChild[] = [];
  const perServer = Math.ceil(o.stations / o.servers);
  const onInterrupt = () => {
    log("interrupted: stopping children");
    killAll(servers, generators);
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const profileDir = o.profile ? await Deno.makeTempDir({ prefix: "csms-bench-profile-" }) : null;
  try {
    log(
      `${o.stations} stations on ${o.servers} server process(es) (${o.store}${
        o.cluster ? ", one cluster" : ""
      }), ` +
        `${o.generatorsPerServer * o.servers} load generator(s), steady ${o.durationS} s at one CALL per ` +
        `station every ${o.intervalS} s`,
    );
    await startServers(o, stores, profileDir, servers);
    await sleep(1000);
    const baseline = await Promise.all(
      servers.map(async (s) => ({ probe: await s.probeMemory(), proc: readProc(s.pid) })),
    );
    // A cluster shares its accounts: one token works on every server.
    const tokens = o.commandsPerS <= 0
      ? []
      : o.cluster
      ? [await operatorToken(baseUrl(servers[0]!))]
      : await Promise.all(servers.map((s) => operatorToken(baseUrl(s))));

    const ramp = await rampUp(o, servers, generators);

    // Settle, then the footprint of the connected stations (after a full GC).
    for (const s of servers) s.phase = "settle";
    await sleep(3000);
    const afterRamp = await Promise.all(servers.map(async (s) => ({
      probe: await s.probeMemory(),
      proc: readProc(s.pid),
      openFiles: countOpenFiles(s.pid),
    })));
    const generatorRss = generators.map((g) => readProc(g.pid)?.rss ?? 0);
    const profiles: Record<string, ProfileSummary | null> = {};
    const cutProfile = async (phase: string) => {
      if (profileDir) profiles[phase] = await profileSummary(servers[0]!, phase);
    };
    await cutProfile("ramp");

    const steady = await runSteady(o, servers, generators, ramp.readies, tokens, stores);
    for (const s of servers) s.phase = "end";
    await cutProfile("steady");
    await sleep(1500);
    const pgAfter = await postgresStats(o, servers, stores);
    const afterSteady = await Promise.all(
      servers.map(async (s) => ({ proc: readProc(s.pid), probe: await s.probeMemory() })),
    );

    // Stop: the server closes every station and saves its snapshot (what a restart costs), then the generators.
    for (const s of servers) s.phase = "shutdown";
    const stops = await Promise.all(servers.map((s) => stopProcess(s.child, 120_000)));
    await Promise.all(generators.map((g) => g.exit(10_000)));
    const kvBytes = o.store === "kv" ? stores.kvBytes() : 0;

    // Results.
    const { readies } = ramp;
    const m = steady.window;
    const ready = readies.reduce((a, r) => a + r.ready, 0);
    const failed = readies.reduce((a, r) => a + r.failed, 0);
    const perStation = (i: number) => {
      const base = baseline[i]!, after = afterRamp[i]!;
      const n = readies.filter((_, g) => generators[g]!.server === i).reduce((a, r) => a + r.ready, 0);
      const d = (x: number | undefined, y: number | undefined) =>
        x === undefined || y === undefined || n === 0 ? null : Math.round((y - x) / n);
      return {
        stations: n,
        rssBytes: d(base.proc?.rss, after.proc?.rss),
        heapUsedBytes: d(base.probe?.heapUsed, after.probe?.heapUsed),
        externalBytes: d(base.probe?.external, after.probe?.external),
      };
    };
    const replies = m.all.count;
    const steadyS = m.ms / 1000;
    const pg = servers.map((_, i) => diffPostgresStats(steady.pgBefore[i] ?? null, pgAfter[i] ?? null));
    const pgTotal = pg[0]
      ? { commits: pg.reduce((a, p) => a + (p?.commits ?? 0), 0), tables: pg[0].tables }
      : null;
    const steadyLogs = sumLogs(servers, "steady");
    const rampLogs = sumLogs(servers, "ramp");
    const result = {
      meta: { ...meta, label: o.label },
      flags: {
        stations: o.stations,
        servers: o.servers,
        processes: generators.length,
        store: o.store,
        durationS: o.durationS,
        intervalS: o.intervalS,
        concurrency: o.concurrency,
        commandsPerS: o.commandsPerS,
        cluster: o.cluster,
        serverEnv: o.serverEnv,
      },
      ramp: {
        seconds: Math.round(ramp.seconds * 10) / 10,
        ready,
        failed,
        stationsPerS: Math.round(ready / ramp.seconds),
        serverCpuPct: ramp.serverCpuPct,
        /** Whole machine (100% = every core busy): other work on the machine competes with the benchmark. */
        machinePct: ramp.machinePct,
        /** Server CPU by thread (% of one core): "main" is JavaScript, "sw-*" SQLite (KV), "V8 *" GC. */
        serverThreadsPct: ramp.serverThreadsPct,
        startRetries: readies.reduce((a, r) => a + r.startRetries, 0),
        /** Stations not even tried because the ramp reached --ramp-timeout. */
        notAttempted: readies.reduce((a, r) => a + r.notAttempted, 0),
        errors: sumRecords(readies.map((r) => r.errors)),
      },
      memory: servers.map((_, i) => ({
        server: i,
        baseline: memoryOf(baseline[i]),
        afterRamp: {
          ...memoryOf(afterRamp[i]),
          openFiles: afterRamp[i]!.openFiles,
          threads: afterRamp[i]!.proc?.threads,
        },
        steadyPeakRssMB: mb(steady.rssMax[i]!),
        afterSteady: memoryOf(afterSteady[i]),
        perStation: perStation(i),
      })),
      steady: {
        seconds: Math.round(steadyS * 10) / 10,
        sent: m.sent,
        replies,
        messagesPerS: Math.round(replies / steadyS),
        targetPerS: Math.round(ready / o.intervalS),
        busySkips: m.busySkips,
        timeouts: m.timeouts,
        unanswered: m.unanswered,
        unexpectedCloses: m.unexpectedCloses,
        callErrors: m.callErrors,
        serverCallsAnswered: m.serverCalls,
      },
      latencyMs: {
        all: m.all.summary(),
        byAction: Object.fromEntries([...m.byAction].map(([a, h]) => [a, h.summary()])),
      },
      commands: {
        perS: o.commandsPerS,
        /** In a cluster: sent through random servers to random stations of all servers. */
        through: o.cluster ? "random server" : "the station's server",
        latencyMs: steady.commandLatency.summary(),
        outcomes: steady.commandOutcomes,
      },
      cpu: {
        ...steady.cpu,
        loadAverage: Deno.loadavg(),
        /** Servers' CPU per connected station: microseconds of CPU per second (and PostgreSQL's backends). */
        perStation: ready
          ? {
            serversUsPerS: Math.round(steady.cpu.serversCpuS / steady.cpu.steadyWallS / ready * 1e6 * 10) /
              10,
            postgresUsPerS: steady.cpu.postgresCpuS === null
              ? null
              : Math.round(steady.cpu.postgresCpuS / steady.cpu.steadyWallS / ready * 1e6 * 10) / 10,
          }
          : null,
      },
      logs: {
        ramp: {
          lines: rampLogs.lines,
          bytes: rampLogs.bytes,
          perStation: ready ? Math.round(rampLogs.lines / ready * 100) / 100 : null,
          byMessage: rampLogs.byMessage,
        },
        steady: {
          lines: steadyLogs.lines,
          linesPerS: Math.round(steadyLogs.lines / steady.cpu.steadyWallS),
          byMessage: steadyLogs.byMessage,
        },
        problems: servers.flatMap((s) => s.problems).slice(0, 10),
      },
      shutdown: stops.map((s) => ({ seconds: Math.round(s.ms / 100) / 10, killed: s.killed })),
      store: o.store === "kv" ? { kvBytes, kvMB: mb(kvBytes) } : { postgres: pgTotal, perServer: pg },
      profile: o.profile ? profiles : null,
      generators: generators.map((g, i) => ({
        server: g.server,
        stations: g.stations,
        rssMB: mb(generatorRss[i] ?? 0),
      })),
    };

    printReport(result);
    if (o.write) {
      const label = o.label ? `-${o.label}` : "";
      await writeResult(
        `${meta.date.slice(0, 10)}-${o.store}${
          o.cluster ? "-cluster" : ""
        }-${o.servers}x${perServer}${label}.json`,
        result,
      );
    }
    return failed > 0 || m.timeouts > 0 || m.unexpectedCloses > 0 ? 1 : 0;
  } catch (error) {
    for (const s of servers) for (const p of s.problems) log(`server ${s.index}: ${p}`);
    throw error;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    killAll(servers, generators);
    await Promise.allSettled([...generators.map((g) => g.exited), ...servers.map((s) => s.exited)]);
    await stores.close();
    if (profileDir) await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}

/** One server process per `--servers`, each on its own store; pushed into `servers` as they start. */
async function startServers(
  o: LoadOptions,
  stores: BenchStores,
  profileDir: string | null,
  servers: ServerChild[],
): Promise<void> {
  const perServer = Math.ceil(o.stations / o.servers);
  let shared: Record<string, string> | null = null;
  for (let i = 0; i < o.servers; i++) {
    // A cluster's servers share one database (the first creates it).
    const env = o.cluster
      ? (shared ??= await stores.create(o.store, storeName(i)))
      : await stores.create(o.store, storeName(i));
    const server = await spawnServer(i, {
      name: o.store,
      script: OUR_SERVER_SCRIPT,
      env: {
        ...env,
        ADMIN_USER: BENCH_ADMIN.username,
        ADMIN_PASSWORD: BENCH_ADMIN.password,
        MAX_CONNECTIONS: String(Math.max(19_000, perServer + 100)),
        ...o.serverEnv,
        ...(profileDir ? { BENCH_CPU_PROFILE: profileDir } : {}),
      },
    });
    servers.push(server);
    log(`server ${i}: pid ${server.pid}, port ${server.port}`);
  }
}

/** Starts the generators (pushed into `generators`) and prepares every station: open, boot, transaction. */
async function rampUp(o: LoadOptions, servers: ServerChild[], generators: GeneratorChild[]) {
  for (const s of servers) s.phase = "ramp";
  const started = performance.now();
  const machineBefore = readMachineCpu();
  const cpuBefore = servers.map((s) => readProc(s.pid));
  const threadsBefore = servers.map((s) => readThreadCpu(s.pid));
  const perServer = Math.ceil(o.stations / o.servers);
  let first = 0;
  for (let s = 0; s < o.servers; s++) {
    const count = Math.min(perServer, o.stations - s * perServer);
    const per = Math.ceil(count / o.generatorsPerServer);
    for (let g = 0; g < o.generatorsPerServer; g++) {
      const n = Math.min(per, count - g * per);
      if (n <= 0) continue;
      generators.push(spawnGenerator(generators.length, s, {
        url: `ws://127.0.0.1:${servers[s]!.port}/ocpp`,
        prefix: "BENCH-",
        first,
        stations: n,
        idTag: BENCH_ID_TAG,
      }));
      first += n;
    }
  }
  const progress = setInterval(() => {
    const sum = (k: "opened" | "ready" | "failed") => generators.reduce((a, g) => a + g.progress[k], 0);
    const rss = servers.map((s) => `${mb(readProc(s.pid)?.rss ?? 0)} MB`).join(", ");
    log(
      `ramp ${((performance.now() - started) / 1000).toFixed(0)} s: ${sum("opened")} open, ` +
        `${sum("ready")} ready, ${sum("failed")} failed; server RSS ${rss}`,
    );
  }, 5000);
  let readies: ConnectReport[];
  try {
    readies = await withTimeout(
      Promise.all(
        generators.map((g) =>
          g.connect({ prepare: "transaction", concurrency: o.concurrency, deadlineMs: o.rampTimeoutS * 1000 })
        ),
      ),
      // The generators stop starting stations at the deadline; this only catches a hung ramp.
      (o.rampTimeoutS + 120) * 1000,
      `Ramp did not finish within ${o.rampTimeoutS + 120} s`,
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `ramp done in ${seconds.toFixed(1)} s: ${readies.reduce((a, r) => a + r.ready, 0)} ready, ` +
      `${readies.reduce((a, r) => a + r.failed, 0)} failed`,
  );
  return {
    readies,
    seconds,
    serverCpuPct: servers.map((s, i) => {
      const a = cpuBefore[i], b = readProc(s.pid);
      return a && b ? Math.round((b.cpuS - a.cpuS) / seconds * 1000) / 10 : null;
    }),
    machinePct: machinePct(machineBefore, readMachineCpu()),
    serverThreadsPct: servers.map((s, i) => threadCpuPct(threadsBefore[i]!, readThreadCpu(s.pid), seconds)),
  };
}

/** The steady mix for `--duration` with operator commands beside it; CPU, peak RSS and answers. */
async function runSteady(
  o: LoadOptions,
  servers: ServerChild[],
  generators: GeneratorChild[],
  readies: ConnectReport[],
  tokens: string[],
  stores: BenchStores,
) {
  for (const s of servers) s.phase = "steady";
  const pgBefore = await postgresStats(o, servers, stores);
  const children = [...servers, ...generators];
  const cpuBefore = children.map((c) => readProc(c.pid));
  const machineBefore = readMachineCpu();
  const threadsBefore = servers.map((s) => readThreadCpu(s.pid));
  const started = performance.now();
  let rssMax = servers.map(() => 0);
  const sampler = setInterval(() => {
    rssMax = servers.map((s, i) => Math.max(rssMax[i]!, readProc(s.pid)?.rss ?? 0));
  }, 1000);
  const progress = setInterval(() => {
    const rss = servers.map((s) => `${mb(readProc(s.pid)?.rss ?? 0)} MB`).join(", ");
    log(`steady ${((performance.now() - started) / 1000).toFixed(0)} s; server RSS ${rss}`);
  }, 10_000);
  await Promise.all(
    generators.map((g, i) => g.run({ mix: "steady", ratePerS: readies[i]!.ready / o.intervalS })),
  );
  const commandsStop = new AbortController();
  const commandLatency = new Histogram();
  const commandOutcomes: Record<string, number> = {};
  const pgCpuBefore = o.cluster ? await stores.backendCpuS(storeName(0)) : null;
  const commandRuns = tokens.map((token, i) =>
    runOperatorCommands(
      o.cluster ? servers.map(baseUrl) : baseUrl(servers[i]!),
      token,
      o.cluster ? servers.flatMap((_, s) => stationIdsOf(generators, s)) : stationIdsOf(generators, i),
      o.commandsPerS,
      commandsStop.signal,
      commandLatency,
      commandOutcomes,
    )
  );
  await sleep(o.durationS * 1000);
  const cpuAfter = children.map((c) => readProc(c.pid));
  const machineAfter = readMachineCpu();
  const threadsAfter = servers.map((s) => readThreadCpu(s.pid));
  const wallS = (performance.now() - started) / 1000;
  const pgCpuAfter = pgCpuBefore ? await stores.backendCpuS(storeName(0)) : null;
  commandsStop.abort();
  const window = mergeWindows(await Promise.all(generators.map((g) => g.stop(5000))));
  await Promise.all(commandRuns);
  clearInterval(sampler);
  clearInterval(progress);
  const cpuS = (i: number) => {
    const a = cpuBefore[i], b = cpuAfter[i];
    return a && b ? b.cpuS - a.cpuS : null;
  };
  const pct = (i: number) => {
    const s = cpuS(i);
    return s === null ? null : Math.round(s / wallS * 1000) / 10;
  };
  const ours = children.reduce((a, _, i) => a + (cpuS(i) ?? 0), 0);
  return {
    window,
    pgBefore,
    rssMax,
    commandLatency,
    commandOutcomes,
    cpu: {
      steadyWallS: Math.round(wallS * 10) / 10,
      serversPct: servers.map((_, i) => pct(i)),
      serversCpuS: servers.reduce((a, _, i) => a + (cpuS(i) ?? 0), 0),
      /** PostgreSQL's backends serving the run's database (cluster runs), CPU seconds. */
      postgresCpuS: pgCpuBefore && pgCpuAfter ? backendCpuDelta(pgCpuBefore, pgCpuAfter) : null,
      serverThreadsPct: servers.map((_, i) => threadCpuPct(threadsBefore[i]!, threadsAfter[i]!, wallS)),
      generatorsPct: generators.map((_, i) => pct(servers.length + i)),
      machinePct: machinePct(machineBefore, machineAfter),
      /** CPU of processes that are not part of this benchmark (other work on a shared machine), in cores. */
      otherCores: Math.round(((machineAfter.busyS - machineBefore.busyS) - ours) / wallS * 100) / 100,
    },
  };
}

/** Up to 1,000 station ids per generator of server `server`, for operator commands. */
function stationIdsOf(generators: GeneratorChild[], server: number): string[] {
  const ids: string[] = [];
  let offset = 0;
  for (const g of generators) {
    if (g.server === server) {
      for (let k = 0; k < Math.min(g.stations, 1000); k++) ids.push(`BENCH-${offset + k}`);
    }
    offset += g.stations;
  }
  return ids;
}

function postgresStats(o: LoadOptions, servers: ServerChild[], stores: BenchStores) {
  // A cluster's one database is counted once (under server 0).
  return Promise.all(
    servers.map((_, i) =>
      o.store === "postgres" && (i === 0 || !o.cluster) ? stores.postgresStats(storeName(i)) : null
    ),
  );
}

/** Writes the CPU profile so far (kept in $TMPDIR, megabytes) and summarises it. */
async function profileSummary(server: ServerChild, phase: string): Promise<ProfileSummary | null> {
  const path = await server.cutProfile();
  if (!path) return null;
  const kept = `${Deno.env.get("TMPDIR") ?? "/tmp"}/csms-bench-${
    Date.now().toString(36)
  }-${phase}.cpuprofile`;
  await Deno.copyFile(path, kept);
  log(`CPU profile of the ${phase}: ${kept} (open it in Chrome DevTools)`);
  return summariseProfile(JSON.parse(await Deno.readTextFile(path)));
}

function memoryOf(p: { proc: ProcSample | null; probe: MemoryProbe | null } | undefined) {
  return {
    rssMB: p?.proc ? mb(p.proc.rss) : null,
    heapUsedMB: p?.probe ? mb(p.probe.heapUsed) : null,
    heapTotalMB: p?.probe ? mb(p.probe.heapTotal) : null,
    externalMB: p?.probe ? mb(p.probe.external) : null,
    gcMs: p?.probe ? Math.round(p.probe.gcMs) : null,
  };
}

function sumLogs(servers: ServerChild[], phase: string): LogCounts {
  const total = emptyLogCounts();
  for (const s of servers) {
    const c = s.logs[phase];
    if (!c) continue;
    total.lines += c.lines;
    total.bytes += c.bytes;
    for (const [k, v] of Object.entries(c.byLevel)) total.byLevel[k] = (total.byLevel[k] ?? 0) + v;
    for (const [k, v] of Object.entries(c.byMessage)) total.byMessage[k] = (total.byMessage[k] ?? 0) + v;
  }
  return total;
}

function killAll(servers: ServerChild[], generators: GeneratorChild[]): void {
  for (const g of generators) g.kill();
  for (const s of servers) {
    try {
      s.child.kill("SIGKILL");
    } catch {
      // Stopped already.
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
