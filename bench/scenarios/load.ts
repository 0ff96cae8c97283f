/**
 * The many-station load run (`deno task bench`, no `--peers`): server processes (`main.ts` with the probes)
 * on their own stores, load generators against them; every station ramps up (connect, boot, start a
 * transaction), then a steady mix runs at one CALL per station every `--interval` seconds while operator
 * commands go through the API. The result: ramp time, footprint per station, latency, CPU, logs, shutdown.
 */
import { type GeneratorChild, spawnGenerator } from "../generator/child.ts";
import type { ConnectReport, WindowReport } from "../generator/load_generator.ts";
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
import { log, sleep } from "../timeline.ts";
import {
  emptyLogCounts,
  type LogCounts,
  type MemoryProbe,
  OUR_SERVER_SCRIPT,
  type ServerChild,
  spawnServer,
  stopProcess,
} from "../server_launch.ts";
import { BENCH_ID_TAG, BenchStores, diffPostgresStats, type PostgresStats } from "../stores.ts";

/** Runs the load scenario; resolves with the process exit code (1 when stations failed or timed out). */
export async function runLoad(o: LoadOptions, meta: BenchResultMeta): Promise<number> {
  const stores = new BenchStores(o.pg);
  const servers: ServerChild[] = [];
  const generators: GeneratorChild[] = [];
  const perServer = Math.ceil(o.stations / o.servers);
  const processCount = o.generatorsPerServer * o.servers;
  const storeName = (i: number) => `server_${i}`;
  const onInterrupt = () => {
    log("interrupted: stopping children");
    for (const g of generators) g.kill();
    for (const s of servers) s.child.kill("SIGKILL");
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    log(
      `${o.stations} stations on ${o.servers} server process(es) (${o.store}), ${processCount} load ` +
        `generator(s), steady ${o.durationS} s at one CALL per station every ${o.intervalS} s`,
    );
    const profileDir = o.profile ? await Deno.makeTempDir({ prefix: "csms-bench-profile-" }) : null;
    for (let i = 0; i < o.servers; i++) {
      const env = await stores.create(o.store, storeName(i));
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
    await sleep(1000);
    const baseline = await Promise.all(
      servers.map(async (s) => ({ probe: await s.probeMemory(), proc: readProc(s.pid) })),
    );
    const baseUrl = (s: ServerChild) => `http://127.0.0.1:${s.port}`;
    const tokens = o.commandsPerS > 0 ? await Promise.all(servers.map((s) => operatorToken(baseUrl(s)))) : [];

    // Ramp.
    for (const s of servers) s.phase = "ramp";
    const rampStarted = performance.now();
    const rampMachineBefore = readMachineCpu();
    const rampCpuBefore = servers.map((s) => readProc(s.pid));
    const rampThreadsBefore = servers.map((s) => readThreadCpu(s.pid));
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
        `ramp ${((performance.now() - rampStarted) / 1000).toFixed(0)} s: ${sum("opened")} open, ` +
          `${sum("ready")} ready, ${sum("failed")} failed; server RSS ${rss}`,
      );
    }, 5000);
    let readies: ConnectReport[];
    try {
      readies = await withTimeout(
        Promise.all(
          generators.map((g) =>
            g.connect({
              prepare: "transaction",
              concurrency: o.concurrency,
              deadlineMs: o.rampTimeoutS * 1000,
            })
          ),
        ),
        // The generators stop starting stations at the deadline; this only catches a hung ramp.
        (o.rampTimeoutS + 120) * 1000,
        `Ramp did not finish within ${o.rampTimeoutS + 120} s`,
      );
    } finally {
      clearInterval(progress);
    }
    const rampS = (performance.now() - rampStarted) / 1000;
    const rampCpuPct = servers.map((s, i) => {
      const a = rampCpuBefore[i], b = readProc(s.pid);
      return a && b ? Math.round((b.cpuS - a.cpuS) / rampS * 1000) / 10 : null;
    });
    const rampMachinePct = machinePct(rampMachineBefore, readMachineCpu());
    const rampThreads = servers.map((s, i) =>
      threadCpuPct(rampThreadsBefore[i]!, readThreadCpu(s.pid), rampS)
    );
    const ready = readies.reduce((a, r) => a + r.ready, 0);
    const failed = readies.reduce((a, r) => a + r.failed, 0);
    const rampErrors = sumRecords(readies.map((r) => r.errors));
    log(`ramp done in ${rampS.toFixed(1)} s: ${ready} ready, ${failed} failed`);

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
      if (!profileDir) return;
      const path = await servers[0]!.cutProfile();
      profiles[phase] = path ? summariseProfile(JSON.parse(await Deno.readTextFile(path))) : null;
      if (path) {
        // Kept outside the repository (profiles are megabytes); open them in Chrome DevTools.
        const kept = `${Deno.env.get("TMPDIR") ?? "/tmp"}/csms-bench-${
          Date.now().toString(36)
        }-${phase}.cpuprofile`;
        await Deno.copyFile(path, kept);
        log(`CPU profile of the ${phase}: ${kept}`);
      }
    };
    await cutProfile("ramp");

    // Steady.
    for (const s of servers) s.phase = "steady";
    const pgStats = () =>
      Promise.all(servers.map((_, i) => o.store === "postgres" ? stores.postgresStats(storeName(i)) : null));
    const pgBefore: Array<PostgresStats | null> = await pgStats();
    const cpuBefore = [...servers, ...generators].map((c) => readProc(c.pid));
    const machineBefore = readMachineCpu();
    const threadsBefore = servers.map((s) => readThreadCpu(s.pid));
    const steadyStarted = performance.now();
    let rssMax = servers.map(() => 0);
    const sampler = setInterval(() => {
      rssMax = servers.map((s, i) => Math.max(rssMax[i]!, readProc(s.pid)?.rss ?? 0));
    }, 1000);
    const steadyProgress = setInterval(() => {
      const rss = servers.map((s) => `${mb(readProc(s.pid)?.rss ?? 0)} MB`).join(", ");
      log(`steady ${((performance.now() - steadyStarted) / 1000).toFixed(0)} s; server RSS ${rss}`);
    }, 10_000);
    await Promise.all(
      generators.map((g, i) =>
        g.run({ mix: "steady", ratePerS: readies[i]!.ready / o.intervalS }).then(() => g.mark())
      ),
    );
    const commandsStop = new AbortController();
    const commandLatency = new Histogram();
    const commandOutcomes: Record<string, number> = {};
    const commandRuns = tokens.map((token, i) => {
      const ids: string[] = [];
      let offset = 0;
      for (const g of generators) {
        if (g.server === i) {
          for (let k = 0; k < Math.min(g.stations, 1000); k++) ids.push(`BENCH-${offset + k}`);
        }
        offset += g.stations;
      }
      return runOperatorCommands(
        baseUrl(servers[i]!),
        token,
        ids,
        o.commandsPerS,
        commandsStop.signal,
        commandLatency,
        commandOutcomes,
      );
    });
    await sleep(o.durationS * 1000);
    const cpuAfter = [...servers, ...generators].map((c) => readProc(c.pid));
    const machineAfter = readMachineCpu();
    const threadsAfter = servers.map((s) => readThreadCpu(s.pid));
    const wallS = (performance.now() - steadyStarted) / 1000;
    commandsStop.abort();
    const reports: WindowReport[] = await Promise.all(generators.map((g) => g.stop(5000)));
    await Promise.all(commandRuns);
    clearInterval(sampler);
    clearInterval(steadyProgress);
    for (const s of servers) s.phase = "end";
    await cutProfile("steady");
    await sleep(1500);
    const pgAfter = await pgStats();
    const afterSteady = await Promise.all(
      servers.map(async (s) => ({ proc: readProc(s.pid), probe: await s.probeMemory() })),
    );

    // Stop: the server closes every station and saves its snapshot (what a restart costs), then the generators.
    for (const s of servers) s.phase = "shutdown";
    const stops = await Promise.all(servers.map((s) => stopProcess(s.child, 120_000)));
    await Promise.all(generators.map((g) => g.exit(10_000)));
    const kvBytes = o.store === "kv" ? stores.kvBytes() : 0;

    // Results.
    const all = new Histogram();
    const byAction = new Map<string, Histogram>();
    let steadyMs = 0;
    for (const r of reports) {
      all.merge(r.latency.all);
      for (const [action, h] of Object.entries(r.latency.byAction)) {
        if (!byAction.has(action)) byAction.set(action, new Histogram());
        byAction.get(action)!.merge(h);
      }
      steadyMs = Math.max(steadyMs, r.ms);
    }
    const total = (
      k: "sent" | "busySkips" | "timeouts" | "unexpectedCloses" | "serverCalls" | "unanswered",
    ) => reports.reduce((a, r) => a + r[k], 0);
    const cpuPct = (i: number) => {
      const a = cpuBefore[i], b = cpuAfter[i];
      return a && b ? Math.round((b.cpuS - a.cpuS) / wallS * 1000) / 10 : null;
    };
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
    const memOf = (p: { proc: ProcSample | null; probe: MemoryProbe | null } | undefined) => ({
      rssMB: p?.proc ? mb(p.proc.rss) : null,
      heapUsedMB: p?.probe ? mb(p.probe.heapUsed) : null,
      heapTotalMB: p?.probe ? mb(p.probe.heapTotal) : null,
      externalMB: p?.probe ? mb(p.probe.external) : null,
      gcMs: p?.probe ? Math.round(p.probe.gcMs) : null,
    });
    const replies = all.count;
    const steadyS = steadyMs / 1000;
    const pg = servers.map((_, i) => diffPostgresStats(pgBefore[i] ?? null, pgAfter[i] ?? null));
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
        processes: processCount,
        store: o.store,
        durationS: o.durationS,
        intervalS: o.intervalS,
        concurrency: o.concurrency,
        commandsPerS: o.commandsPerS,
        serverEnv: o.serverEnv,
      },
      ramp: {
        seconds: Math.round(rampS * 10) / 10,
        ready,
        failed,
        stationsPerS: Math.round(ready / rampS),
        serverCpuPct: rampCpuPct,
        /** Whole machine (100% = every core busy): other work on the machine competes with the benchmark. */
        machinePct: rampMachinePct,
        /** Server CPU by thread (% of one core): "main" is JavaScript, "sw-*" SQLite (KV), "V8 *" GC. */
        serverThreadsPct: rampThreads,
        startRetries: readies.reduce((a, r) => a + r.startRetries, 0),
        /** Stations not even tried because the ramp reached --ramp-timeout. */
        notAttempted: readies.reduce((a, r) => a + r.notAttempted, 0),
        errors: rampErrors,
      },
      memory: servers.map((_, i) => ({
        server: i,
        baseline: memOf(baseline[i]),
        afterRamp: {
          ...memOf(afterRamp[i]),
          openFiles: afterRamp[i]!.openFiles,
          threads: afterRamp[i]!.proc?.threads,
        },
        steadyPeakRssMB: mb(rssMax[i]!),
        afterSteady: memOf(afterSteady[i]),
        perStation: perStation(i),
      })),
      steady: {
        seconds: Math.round(steadyS * 10) / 10,
        sent: total("sent"),
        replies,
        messagesPerS: Math.round(replies / steadyS),
        targetPerS: Math.round(ready / o.intervalS),
        busySkips: total("busySkips"),
        timeouts: total("timeouts"),
        unanswered: total("unanswered"),
        unexpectedCloses: total("unexpectedCloses"),
        callErrors: sumRecords(reports.map((r) => r.callErrors)),
        serverCallsAnswered: total("serverCalls"),
      },
      latencyMs: {
        all: all.summary(),
        byAction: Object.fromEntries([...byAction].map(([a, h]) => [a, h.summary()])),
      },
      commands: { perS: o.commandsPerS, latencyMs: commandLatency.summary(), outcomes: commandOutcomes },
      cpu: {
        steadyWallS: Math.round(wallS * 10) / 10,
        serversPct: servers.map((_, i) => cpuPct(i)),
        serverThreadsPct: servers.map((_, i) => threadCpuPct(threadsBefore[i]!, threadsAfter[i]!, wallS)),
        generatorsPct: generators.map((_, i) => cpuPct(servers.length + i)),
        machinePct: machinePct(machineBefore, machineAfter),
        /** CPU of processes that are not part of this benchmark (other work on a shared machine), in cores. */
        otherCores: Math.round(
          ((machineAfter.busyS - machineBefore.busyS) -
            cpuAfter.reduce((a, b, i) => a + (b && cpuBefore[i] ? b.cpuS - cpuBefore[i]!.cpuS : 0), 0)) /
            wallS * 100,
        ) / 100,
        loadAverage: Deno.loadavg(),
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
          linesPerS: Math.round(steadyLogs.lines / wallS),
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
        `${meta.date.slice(0, 10)}-${o.store}-${o.servers}x${perServer}${label}.json`,
        result,
      );
    }
    if (profileDir) await Deno.remove(profileDir, { recursive: true }).catch(() => {});
    return failed > 0 || result.steady.timeouts > 0 || result.steady.unexpectedCloses > 0 ? 1 : 0;
  } catch (error) {
    for (const s of servers) for (const p of s.problems) log(`server ${s.index}: ${p}`);
    throw error;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    for (const g of generators) g.kill();
    for (const s of servers) {
      try {
        s.child.kill("SIGKILL");
      } catch {
        // Stopped already.
      }
    }
    await Promise.allSettled([...generators.map((g) => g.exited), ...servers.map((s) => s.exited)]);
    await stores.close();
  }
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
