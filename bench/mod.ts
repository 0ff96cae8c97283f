/**
 * `deno task bench`: the load benchmark. Starts server processes (main.ts with a memory probe) on their own
 * stores, load-generator processes against them, ramps every station up (connect, boot, start a transaction),
 * runs a steady message mix, then prints a table and writes `bench/results/<date>-<store>-<servers>x<per>[-<label>].json`.
 *
 *   deno task bench                                   # KV, 5,000 stations, 60 s steady (~2 minutes)
 *   deno task bench --stations 19000 --processes 2    # one server process near its file limit
 *   deno task bench --stations 51000 --servers 3 --processes 6
 *   deno task bench --store postgres --stations 5000
 *
 * Flags: --stations N (total), --servers N (server processes, stations split evenly, each its own store),
 * --processes N (load generators, a multiple of --servers), --store kv|postgres, --duration S (steady phase),
 * --interval S (mean seconds between two CALLs of one station in the steady phase), --concurrency N
 * (stations ramping at once per generator), --commands N (operator commands per second per server through
 * /api, answered by the stations; 0 disables), --ramp-timeout S, --pg URL (admin connection for the
 * throwaway databases), --no-write (do not write a result file), --label TEXT.
 *
 * Limits: a process may hold 20,000 open files, so one server process tops out near 19,900 stations and so
 * does one generator; plan larger runs as several processes (see bench/README.md).
 */
import { parseArgs } from "node:util";
import { Histogram } from "./histogram.ts";
import {
  emptyLogCounts,
  type GeneratorChild,
  type LogCounts,
  type MemoryProbe,
  runTask,
  type ServerChild,
  spawnGenerator,
  spawnServer,
  stopProcess,
} from "./children.ts";
import {
  countOpenFiles,
  type ProcSample,
  readMachineCpu,
  readProc,
  readThreadCpu,
  threadCpuPct,
} from "./proc.ts";
import { type ProfileSummary, summariseProfile } from "./profile.ts";
import { printReport } from "./report.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ID_TAG = "BENCH-TAG";
const ADMIN = { username: "bench", password: "bench-password-1" };

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    stations: { type: "string", default: "5000" },
    servers: { type: "string", default: "1" },
    processes: { type: "string" },
    store: { type: "string", default: "kv" },
    duration: { type: "string", default: "60" },
    interval: { type: "string", default: "30" },
    concurrency: { type: "string", default: "100" },
    commands: { type: "string", default: "2" },
    "ramp-timeout": { type: "string", default: "300" },
    pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    "no-write": { type: "boolean", default: false },
    label: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
    profile: { type: "boolean", default: false },
  },
});

function positiveInt(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name} must be an integer >= ${min}, got "${value}"`);
  }
  return n;
}

const stations = positiveInt("stations", flags.stations);
const serverCount = positiveInt("servers", flags.servers);
const perServer = Math.ceil(stations / serverCount);
// A generator holds up to ~10,000 sockets by default: well under the 20,000-file limit of a process.
const genPerServer = Math.ceil(
  (flags.processes
    ? positiveInt("processes", flags.processes)
    : serverCount * Math.ceil(perServer / 10_000)) /
    serverCount,
);
const processCount = genPerServer * serverCount;
const storeKind = flags.store;
if (storeKind !== "kv" && storeKind !== "postgres") {
  throw new Error(`--store must be kv or postgres, got "${storeKind}"`);
}
const durationS = positiveInt("duration", flags.duration);
const intervalS = Number(flags.interval);
if (!(intervalS > 0)) {
  throw new Error(`--interval must be a positive number of seconds, got "${flags.interval}"`);
}
const concurrency = positiveInt("concurrency", flags.concurrency);
const commandsPerS = Number(flags.commands);
const rampTimeoutS = positiveInt("ramp-timeout", flags["ramp-timeout"]);
/** Extra server settings for A/B runs, e.g. `--env FRAME_LOG_SIZE=0 --env PING_INTERVAL_S=0`. */
const serverEnv: Record<string, string> = Object.fromEntries(
  (flags.env ?? []).map((kv) => {
    const at = kv.indexOf("=");
    if (at <= 0) throw new Error(`--env takes KEY=VALUE, got "${kv}"`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
if (Math.ceil(perServer / genPerServer) > 19_500) {
  throw new Error(
    `${Math.ceil(perServer / genPerServer)} stations per generator exceed the 20,000-file limit`,
  );
}

function machinePct(a: { busyS: number; totalS: number }, b: { busyS: number; totalS: number }): number {
  return Math.round((b.busyS - a.busyS) / Math.max(0.01, b.totalS - a.totalS) * 1000) / 10;
}

const log = (text: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024 * 10) / 10;

// ------------------------------------------------------------------------------------------------ stores

const tmp = await Deno.makeTempDir({ prefix: "csms-bench-" });
const runId = `${Date.now().toString(36)}`;
const databases: string[] = [];
// deno-lint-ignore no-explicit-any
let adminSql: any = null;

function databaseUrl(name: string): string {
  const url = new URL(flags.pg!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function storeEnv(index: number): Promise<Record<string, string>> {
  if (storeKind === "kv") return { KV_PATH: `${tmp}/server-${index}.kv` };
  if (!adminSql) {
    const { default: postgres } = await import("postgres");
    adminSql = postgres(flags.pg!, { max: 1, onnotice: () => {} });
  }
  const name = `csms_bench_${runId}_${index}`;
  await adminSql.unsafe(`create database ${name}`);
  databases.push(name);
  return { DATABASE_URL: databaseUrl(name) };
}

async function postgresStats(index: number) {
  if (storeKind !== "postgres") return null;
  const { default: postgres } = await import("postgres");
  const sql = postgres(databaseUrl(databases[index]!), { max: 1, onnotice: () => {} });
  try {
    const [db] = await sql`
      select xact_commit::int8 as commits, tup_inserted::int8 as inserted, tup_updated::int8 as updated
      from pg_stat_database where datname = current_database()`;
    const tables = await sql`
      select relname, n_tup_ins::int8 as inserted, n_tup_upd::int8 as updated
      from pg_stat_user_tables order by relname`;
    return {
      commits: Number(db!.commits),
      inserted: Number(db!.inserted),
      updated: Number(db!.updated),
      tables: Object.fromEntries(
        tables.map((t) => [t.relname, { inserted: Number(t.inserted), updated: Number(t.updated) }]),
      ),
    };
  } finally {
    await sql.end();
  }
}

function diffStats(
  a: Awaited<ReturnType<typeof postgresStats>>,
  b: Awaited<ReturnType<typeof postgresStats>>,
) {
  if (!a || !b) return null;
  const tables: Record<string, { inserted: number; updated: number }> = {};
  for (
    const [name, t] of Object.entries(b.tables) as Array<[string, { inserted: number; updated: number }]>
  ) {
    const before = a.tables[name] ?? { inserted: 0, updated: 0 };
    const d = { inserted: t.inserted - before.inserted, updated: t.updated - before.updated };
    if (d.inserted || d.updated) tables[name] = d;
  }
  return {
    commits: b.commits - a.commits,
    inserted: b.inserted - a.inserted,
    updated: b.updated - a.updated,
    tables,
  };
}

// ------------------------------------------------------------------------------------------------ run

const servers: ServerChild[] = [];
const generators: GeneratorChild[] = [];
let exitCode = 0;

async function cleanup() {
  for (const g of generators) {
    try {
      g.child.kill("SIGKILL");
    } catch {
      // Gone.
    }
  }
  for (const s of servers) {
    try {
      s.child.kill("SIGKILL");
    } catch {
      // Gone.
    }
  }
  await Promise.allSettled([...generators.map((g) => g.exited), ...servers.map((s) => s.exited)]);
  if (adminSql) {
    for (const name of databases) {
      await adminSql.unsafe(`drop database if exists ${name} with (force)`).catch((e: unknown) =>
        log(`Cannot drop database ${name}: ${e}`)
      );
    }
    await adminSql.end();
  }
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}

Deno.addSignalListener("SIGINT", () => {
  log("interrupted: stopping children");
  void cleanup().then(() => Deno.exit(130));
});

function gitCommit(): string | null {
  try {
    const out = new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      cwd: ROOT,
      stdout: "piped",
    })
      .outputSync();
    return new TextDecoder().decode(out.stdout).trim() || null;
  } catch {
    return null;
  }
}

async function login(server: ServerChild): Promise<string> {
  const base = `http://127.0.0.1:${server.port}`;
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`Cannot log in to server ${server.index}: ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", role: "operator" }),
  });
  const body = await created.json();
  if (created.status !== 201) {
    throw new Error(`Cannot create an API token: ${created.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

/** Operator commands through the API at `perS` per second per server, until `signal` aborts. */
async function runCommands(
  server: ServerChild,
  token: string,
  ids: string[],
  perS: number,
  signal: AbortSignal,
  latency: Histogram,
  outcomes: Record<string, number>,
) {
  const base = `http://127.0.0.1:${server.port}/api/v1/charge-points`;
  const commands: Array<[string, unknown]> = [
    ["GetConfiguration", { key: ["HeartbeatInterval", "MeterValueSampleInterval"] }],
    ["ChangeConfiguration", { key: "MeterValueSampleInterval", value: "60" }],
    ["TriggerMessage", { requestedMessage: "Heartbeat" }],
  ];
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  while (!signal.aborted) {
    const [action, body] = commands[n % commands.length]!;
    const id = ids[(n * 7919) % ids.length]!;
    n++;
    const started = performance.now();
    const p = fetch(`${base}/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (res) => {
      await res.body?.cancel();
      if (res.status === 200) latency.record(performance.now() - started);
      outcomes[String(res.status)] = (outcomes[String(res.status)] ?? 0) + 1;
    }).catch((e) => {
      outcomes[`error: ${String(e).slice(0, 60)}`] = (outcomes[`error: ${String(e).slice(0, 60)}`] ?? 0) + 1;
    }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    await sleep(1000 / perS);
  }
  await Promise.all(inFlight);
}

function sumLogs(phase: string): LogCounts {
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

// Taken at the start: other work may commit while the benchmark runs, but the servers run this code.
const startCommit = gitCommit();

try {
  log(
    `${stations} stations on ${serverCount} server process(es) (${storeKind}), ${processCount} load generator(s), ` +
      `steady ${durationS} s at one CALL per station every ${intervalS} s`,
  );

  // Servers, each on its own store, with the id tag the stations charge with.
  for (let i = 0; i < serverCount; i++) {
    const env = await storeEnv(i);
    await runTask(["run", "-A", "tasks/idtags.ts", "add", ID_TAG], env);
    const server = await spawnServer(i, {
      ...env,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      MAX_CONNECTIONS: String(Math.max(19_000, perServer + 100)),
      ...serverEnv,
      ...(flags.profile ? { BENCH_CPU_PROFILE: tmp } : {}),
    });
    servers.push(server);
    log(`server ${i}: pid ${server.pid}, port ${server.port}`);
  }
  await sleep(1000);
  const baseline = await Promise.all(
    servers.map(async (s) => ({ probe: await s.probeMemory(), proc: readProc(s.pid) })),
  );
  const tokens = commandsPerS > 0 ? await Promise.all(servers.map(login)) : [];

  // Ramp.
  for (const s of servers) s.phase = "ramp";
  const rampStarted = performance.now();
  const rampCpuBefore = servers.map((s) => readProc(s.pid));
  const rampMachineBefore = readMachineCpu();
  const rampThreadsBefore = servers.map((s) => readThreadCpu(s.pid));
  let first = 0;
  for (let s = 0; s < serverCount; s++) {
    const count = Math.min(perServer, stations - s * perServer);
    const per = Math.ceil(count / genPerServer);
    for (let g = 0; g < genPerServer; g++) {
      const n = Math.min(per, count - g * per);
      if (n <= 0) continue;
      generators.push(spawnGenerator(generators.length, s, {
        url: `ws://127.0.0.1:${servers[s]!.port}/ocpp`,
        prefix: "BENCH-",
        first,
        stations: n,
        concurrency,
        idTag: ID_TAG,
        rampDeadlineMs: rampTimeoutS * 1000,
      }));
      first += n;
    }
  }
  const progress = setInterval(() => {
    const sum = (k: string) => generators.reduce((a, g) => a + Number(g.last?.[k] ?? 0), 0);
    const rss = servers.map((s) => `${mb(readProc(s.pid)?.rss ?? 0)} MB`).join(", ");
    log(
      `ramp ${((performance.now() - rampStarted) / 1000).toFixed(0)} s: ${sum("opened")} open, ` +
        `${sum("ready")} ready, ${sum("failed")} failed; server RSS ${rss}`,
    );
  }, 5000);
  let rampTimer: ReturnType<typeof setTimeout> | undefined;
  const readies = await Promise.race([
    Promise.all(generators.map((g) => g.ready)),
    new Promise<never>((_, reject) =>
      // The generators stop starting stations at the deadline; this only catches a hung ramp.
      rampTimer = setTimeout(
        () => reject(new Error(`Ramp did not finish within ${rampTimeoutS + 120} s`)),
        (rampTimeoutS + 120) * 1000,
      )
    ),
  ]);
  clearTimeout(rampTimer);
  clearInterval(progress);
  const rampS = (performance.now() - rampStarted) / 1000;
  const rampCpuPct = servers.map((s, i) => {
    const a = rampCpuBefore[i], b = readProc(s.pid);
    return a && b ? Math.round((b.cpuS - a.cpuS) / rampS * 1000) / 10 : null;
  });
  const rampMachinePct = machinePct(rampMachineBefore, readMachineCpu());
  const rampThreads = servers.map((s, i) => threadCpuPct(rampThreadsBefore[i]!, readThreadCpu(s.pid), rampS));
  const ready = readies.reduce((a, r) => a + Number(r.ready), 0);
  const failed = readies.reduce((a, r) => a + Number(r.failed), 0);
  const rampErrors: Record<string, number> = {};
  for (const r of readies) {
    for (const [k, v] of Object.entries(r.rampErrors as Record<string, number>)) {
      rampErrors[k] = (rampErrors[k] ?? 0) + v;
    }
  }
  log(`ramp done in ${rampS.toFixed(1)} s: ${ready} ready, ${failed} failed`);

  // Settle, then measure the footprint of the connected stations (after a full GC).
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
    if (!flags.profile) return;
    const path = await servers[0]!.cutProfile();
    profiles[phase] = path ? summariseProfile(JSON.parse(await Deno.readTextFile(path))) : null;
    if (path) {
      // Kept outside the repository (profiles are megabytes); open them in Chrome DevTools.
      const kept = `${Deno.env.get("TMPDIR") ?? "/tmp"}/csms-bench-${runId}-${phase}.cpuprofile`;
      await Deno.copyFile(path, kept);
      log(`CPU profile of the ${phase}: ${kept}`);
    }
  };
  await cutProfile("ramp");

  // Steady.
  for (const s of servers) s.phase = "steady";
  const pgBefore = await Promise.all(servers.map((_, i) => postgresStats(i)));
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
  for (const g of generators) await g.send({ cmd: "steady", durationS, intervalS });
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
    return runCommands(
      servers[i]!,
      token,
      ids,
      commandsPerS,
      commandsStop.signal,
      commandLatency,
      commandOutcomes,
    );
  });
  await sleep(durationS * 1000);
  const cpuAfter = [...servers, ...generators].map((c) => readProc(c.pid));
  const machineAfter = readMachineCpu();
  const threadsAfter = servers.map((s) => readThreadCpu(s.pid));
  const wallS = (performance.now() - steadyStarted) / 1000;
  commandsStop.abort();
  const reports = await Promise.all(generators.map((g) => g.report));
  await Promise.all(commandRuns);
  clearInterval(sampler);
  clearInterval(steadyProgress);
  for (const s of servers) s.phase = "end";
  await cutProfile("steady");
  await sleep(1500);
  const pgAfter = await Promise.all(servers.map((_, i) => postgresStats(i)));
  const afterSteady = await Promise.all(
    servers.map(async (s) => ({ proc: readProc(s.pid), probe: await s.probeMemory() })),
  );

  // Stop: the server closes every station and saves its snapshot (what a restart costs), then the generators.
  for (const s of servers) s.phase = "shutdown";
  const stops = await Promise.all(servers.map((s) => stopProcess(s.child, 120_000)));
  for (const g of generators) await g.send({ cmd: "exit" }).catch(() => {});
  await Promise.all(generators.map((g) => stopProcess(g.child, 10_000)));
  let kvBytes = 0;
  if (storeKind === "kv") {
    for (const entry of Deno.readDirSync(tmp)) kvBytes += Deno.statSync(`${tmp}/${entry.name}`).size;
  }

  // ------------------------------------------------------------------------------------------ results
  const all = new Histogram();
  const byAction = new Map<string, Histogram>();
  const counters: Record<string, number> = {};
  const callErrors: Record<string, number> = {};
  let unanswered = 0;
  let steadyMs = 0;
  for (const r of reports) {
    const lat = r.latency as {
      all: ReturnType<Histogram["toJSON"]>;
      byAction: Record<string, ReturnType<Histogram["toJSON"]>>;
    };
    all.add(lat.all.counts, lat.all);
    for (const [action, h] of Object.entries(lat.byAction)) {
      if (!byAction.has(action)) byAction.set(action, new Histogram());
      byAction.get(action)!.add(h.counts, h);
    }
    for (const [k, v] of Object.entries(r.counters as Record<string, number>)) {
      counters[k] = (counters[k] ?? 0) + v;
    }
    for (const [k, v] of Object.entries(r.callErrors as Record<string, number>)) {
      callErrors[k] = (callErrors[k] ?? 0) + v;
    }
    unanswered += Number(r.unanswered);
    steadyMs = Math.max(steadyMs, Number(r.steadyMs));
  }
  const cpuPct = (i: number) => {
    const a = cpuBefore[i], b = cpuAfter[i];
    return a && b ? Math.round((b.cpuS - a.cpuS) / wallS * 1000) / 10 : null;
  };
  const perStation = (i: number) => {
    const base = baseline[i]!, after = afterRamp[i]!;
    const n = readies.filter((_, g) => generators[g]!.server === i).reduce((a, r) => a + Number(r.ready), 0);
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
  const pg = servers.map((_, i) => diffStats(pgBefore[i] ?? null, pgAfter[i] ?? null));
  const pgTotal = pg[0]
    ? {
      commits: pg.reduce((a, p) => a + (p?.commits ?? 0), 0),
      tables: pg[0]!.tables,
    }
    : null;
  const steadyLogs = sumLogs("steady");
  const rampLogs = sumLogs("ramp");
  const result = {
    meta: {
      date: new Date().toISOString(),
      commit: startCommit,
      deno: Deno.version.deno,
      cores: navigator.hardwareConcurrency,
      memoryGB: Math.round(Deno.systemMemoryInfo().total / 1024 ** 3),
      label: flags.label ?? null,
    },
    flags: {
      stations,
      servers: serverCount,
      processes: processCount,
      store: storeKind,
      durationS,
      intervalS,
      concurrency,
      commandsPerS,
      serverEnv,
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
      startRetries: readies.reduce((a, r) => a + Number(r.startRetries ?? 0), 0),
      /** Stations not even tried because the ramp reached --ramp-timeout. */
      notAttempted: readies.reduce((a, r) => a + Number(r.notAttempted ?? 0), 0),
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
      sent: counters.sent ?? 0,
      replies,
      messagesPerS: Math.round(replies / steadyS),
      targetPerS: Math.round(ready / intervalS),
      busySkips: counters.busySkips ?? 0,
      timeouts: counters.timeouts ?? 0,
      unanswered,
      unexpectedCloses: counters.unexpectedCloses ?? 0,
      callErrors,
      serverCallsAnswered: counters.serverCalls ?? 0,
    },
    latencyMs: {
      all: all.summary(),
      byAction: Object.fromEntries([...byAction].map(([a, h]) => [a, h.summary()])),
    },
    commands: { perS: commandsPerS, latencyMs: commandLatency.summary(), outcomes: commandOutcomes },
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
    store: storeKind === "kv" ? { kvBytes, kvMB: mb(kvBytes) } : { postgres: pgTotal, perServer: pg },
    profile: flags.profile ? profiles : null,
    generators: generators.map((g, i) => ({
      server: g.server,
      stations: g.stations,
      rssMB: mb(generatorRss[i] ?? 0),
    })),
  };

  printReport(result);
  if (!flags["no-write"]) {
    const date = result.meta.date.slice(0, 10);
    const label = flags.label ? `-${flags.label.replace(/[^A-Za-z0-9_.=-]+/g, "_")}` : "";
    const path = `${ROOT}bench/results/${date}-${storeKind}-${serverCount}x${perServer}${label}.json`;
    await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
    await Deno.writeTextFile(path, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${path.slice(ROOT.length)}`);
  }
  if (failed > 0 || result.steady.timeouts > 0 || result.steady.unexpectedCloses > 0) exitCode = 1;
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  for (const s of servers) for (const p of s.problems) log(`server ${s.index}: ${p}`);
  exitCode = 2;
} finally {
  await cleanup();
}
Deno.exit(exitCode);
