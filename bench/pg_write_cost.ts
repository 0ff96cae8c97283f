/**
 * The PostgreSQL store's write path alone, as the actors drive it: `stations` concurrent callers of
 * `commit`, each either the plain mix's MeterValues (4 sampled values; lastSeen alone is written only every
 * few seconds per station, so not here) or the transaction cycle
 * (Start with its connector snapshot, 3 x MeterValues, Stop with its snapshot and transactionData row), on a
 * fresh database (`PG_BENCH_DB_PREFIX`, default csms_bench; `PG_BENCH_BUSY_WINDOW_MS` sets the group commit's
 * busy window, `PG_BENCH_MAX_IN_FLIGHT` its commits in flight). Closed loop (each caller sends its next write
 * when the last is answered) unless `rate` (writes per second over all callers) is given. Prints this
 * process's CPU and the PostgreSQL backends' CPU (from /proc) per write, the group commits (their duration
 * p50 / p99 / max and the largest), and the write latency p50 / p99. For A/B of the store's statements and the group commit policy (run it from each
 * worktree).
 *
 * ```sh
 * deno run -A bench/pg_write_cost.ts plain|tx [stations=300] [writesPerStation=30] [rate=0]
 * ```
 */
import { openPostgresPool } from "../postgres_pool.ts";
import type { StationChanges } from "../model/changes.ts";
import type { ConnectorState } from "../model/charge_point.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { decideStart, decideStop } from "../model/transaction.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { freshDatabase } from "../tests/helpers/postgres.ts";
import { readCpuS } from "./proc.ts";
import { backendCpuByPid, backendCpuDelta } from "./stores.ts";

const mix = Deno.args[0] === "tx" ? "tx" : "plain";
const stations = Number(Deno.args[1] ?? 300);
const writesPerStation = Number(Deno.args[2] ?? 30);
const rate = Number(Deno.args[3] ?? 0);
const db = await freshDatabase(Deno.env.get("PG_BENCH_DB_PREFIX") ?? "csms_bench");
const admin = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
let commits = 0;
const busyWindow = Deno.env.get("PG_BENCH_BUSY_WINDOW_MS");
const inFlight = Deno.env.get("PG_BENCH_MAX_IN_FLIGHT");
/** Each group commit's duration (ms) and size, for where the write latency's tail comes from. */
const commitMs: number[] = [];
let largestCommit = 0;
const store = await openPostgresStore(db.url, {
  commitObserver: ({ size, seconds }) => {
    commits++;
    commitMs.push(seconds * 1000);
    largestCommit = Math.max(largestCommit, size);
  },
  ...(busyWindow === undefined ? {} : { groupCommitBusyWindowMs: Number(busyWindow) }),
  ...(inFlight === undefined ? {} : { groupCommitMaxInFlight: Number(inFlight) }),
});
const database = new URL(db.url).pathname.slice(1);
const BASE = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const latencies: number[] = [];

function connectors(transactionId: number | null, at: string): ConnectorState[] {
  const c: ConnectorState = { connectorId: 1, status: "Available", errorCode: "NoError", timestamp: at };
  if (transactionId !== null) Object.assign(c, { status: "Charging", transactionId });
  return [{ connectorId: 0, status: "Available", errorCode: "NoError", timestamp: at }, c];
}

function meterRows(
  chargePointId: string,
  transactionId: number | null,
  ms: number,
  wh: number,
): MeterValueRow[] {
  const at = iso(ms);
  return [
    ["Energy.Active.Import.Register", String(wh), "Wh", null],
    ["Power.Active.Import", "7360", "W", null],
    ["Current.Import", "32.0", "A", "L1"],
    ["Voltage", "230.0", "V", "L1-N"],
  ].map(([measurand, value, unit, phase]) => ({
    chargePointId,
    connectorId: 1,
    transactionId,
    timestamp: at,
    value: value!,
    context: transactionId === null ? "Sample.Clock" : "Sample.Periodic",
    format: "Raw",
    measurand: measurand!,
    phase: phase ?? null,
    location: "Outlet",
    unit: unit!,
    receivedAt: at,
  }));
}

/** One write, timed; throws when it was not stored. */
async function write(changes: StationChanges): Promise<void> {
  const t0 = performance.now();
  const result = await store.commit(changes);
  latencies.push(performance.now() - t0);
  if (!result.ok) throw new Error(`Conflict for "${changes.chargePointId}": ${result.conflict}`);
}

/** The writes of station `n`, numbered from `from`; each awaits `pace()` first. */
async function station(n: number, from: number, count: number, pace: () => Promise<void>): Promise<void> {
  const chargePointId = `PGW-${n}`;
  let transactionId: number | null = null;
  let wh = 1000;
  // The actor's connection writes the station's snapshot (the store checks it is not a stale one).
  const writer = { connectedAt: iso(BASE - 60_000), nodeId: "bench-node" };
  for (let k = from; k < from + count; k++) {
    await pace();
    const ms = BASE + k * 60_000;
    wh += 37;
    if (mix === "plain") {
      await write({ chargePointId, meterValues: meterRows(chargePointId, null, ms, wh) });
      continue;
    }
    const step = k % 5; // Start, 3 x MeterValues, Stop
    if (step === 0) {
      const input = {
        chargePointId,
        connectorId: 1,
        idTag: "BENCH-TAG",
        idTagStatus: "Accepted" as const,
        meterStart: wh,
        timestamp: iso(ms),
        reservationId: null,
        receivedAt: iso(ms),
      };
      const { outcome, changes } = await decideStart(input, store);
      transactionId = outcome.transaction.transactionId;
      await write({
        chargePointId,
        ...changes,
        lastSeen: iso(ms),
        snapshot: { connectors: connectors(transactionId, iso(ms)) },
        connection: writer,
      });
    } else if (step < 4) {
      await write({
        chargePointId,
        lastSeen: iso(ms),
        meterValues: meterRows(chargePointId, transactionId, ms, wh),
      });
    } else {
      const input = {
        chargePointId,
        transactionId: transactionId!,
        idTag: "BENCH-TAG",
        idTagStatus: "Accepted" as const,
        meterStop: wh,
        timestamp: iso(ms),
        reason: "Local",
        transactionData: null,
        receivedAt: iso(ms),
      };
      const { changes } = await decideStop(input, store);
      const end = meterRows(chargePointId, transactionId, ms, wh).slice(0, 1).map((r) => ({
        ...r,
        context: "Transaction.End",
      }));
      await write({
        chargePointId,
        ...changes,
        lastSeen: iso(ms),
        meterValues: end,
        snapshot: { connectors: connectors(null, iso(ms)) },
        connection: writer,
      });
      transactionId = null;
    }
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

try {
  const t0 = BASE - 3_600_000;
  for (let n = 0; n < stations; n++) {
    const id = `PGW-${n}`;
    await store.putChargePoint({
      id,
      registrationStatus: "Accepted",
      boot: { chargePointVendor: "Bench", chargePointModel: "Probe", firmwareVersion: "1.0.0" },
      bootedAt: iso(t0),
      connectors: connectors(null, iso(t0)),
      lastSeen: iso(t0),
      firmwareStatus: null,
      diagnosticsStatus: null,
      configuration: [
        { key: "HeartbeatInterval", readonly: false, value: "300" },
        { key: "MeterValueSampleInterval", readonly: false, value: "60" },
      ],
      createdAt: iso(t0),
      updatedAt: iso(t0),
    });
  }
  // Warm-up: one full cycle per station (prepared statements, caches).
  await Promise.all(Array.from({ length: stations }, (_, n) => station(n, 0, 5, () => Promise.resolve())));
  latencies.length = 0;
  commitMs.length = 0;
  largestCommit = 0;
  const pg0 = await backendCpuByPid(admin, database);
  const own0 = readCpuS(Deno.pid) ?? 0;
  const w0 = performance.now();
  commits = 0;
  // Fixed rate: station n writes every stations/rate seconds, the stations spread evenly over one period.
  const periodMs = rate > 0 ? (stations / rate) * 1000 : 0;
  await Promise.all(Array.from({ length: stations }, (_, n) => {
    let due = w0 + (periodMs * n) / stations;
    const pace = periodMs === 0 ? () => Promise.resolve() : () => {
      const wait = due - performance.now();
      due += periodMs;
      return wait > 0 ? new Promise<void>((r) => setTimeout(r, wait)) : Promise.resolve();
    };
    return station(n, 5, writesPerStation, pace);
  }));
  const wallS = (performance.now() - w0) / 1000;
  const pgS = backendCpuDelta(pg0, await backendCpuByPid(admin, database));
  const ownS = (readCpuS(Deno.pid) ?? 0) - own0;
  // Ended connections report their statistics: the updates that were heap-only (HOT).
  await store.close();
  await new Promise((r) => setTimeout(r, 500));
  const hot = await admin<{ relname: string; upd: number; hot: number }[]>`
    select relname, n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables
    where relname in ('charge_points', 'transactions')`;
  const writes = stations * writesPerStation;
  const sorted = latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    mix,
    stations,
    writes,
    rate,
    wallS: Number(wallS.toFixed(2)),
    writesPerS: Math.round(writes / wallS),
    postgresUsPerWrite: Math.round(pgS * 1e6 / writes),
    ownUsPerWrite: Math.round(ownS * 1e6 / writes),
    writesPerGroupCommit: Number((writes / Math.max(1, commits)).toFixed(1)),
    p50Ms: Number(quantile(sorted, 0.5).toFixed(2)),
    p99Ms: Number(quantile(sorted, 0.99).toFixed(2)),
    commitP50Ms: Number(quantile(commitMs.sort((a, b) => a - b), 0.5).toFixed(2)),
    commitP99Ms: Number(quantile(commitMs, 0.99).toFixed(2)),
    commitMaxMs: Number((commitMs.at(-1) ?? 0).toFixed(1)),
    largestCommit,
    hotUpdates: Object.fromEntries(hot.map((t) => [t.relname, `${t.hot}/${t.upd}`])),
  }));
} finally {
  await store.close().catch(() => {});
  await admin.end();
  await db.drop();
}
