/**
 * PostgreSQL's cost of the transaction cycle, without the WebSocket layer: `stations` concurrent callers of
 * the store, each running Start, 3 x MeterValues (4 sampled values each), Stop `cycles` times through
 * `startTransaction`, `commit` and `stopTransaction` (the group commit batches them as it batches the actors'
 * writes), on a fresh database. Prints the CPU of the PostgreSQL backends (from /proc) and of this process per
 * cycle, and the group commits. For A/B of the store's statements (run it from each worktree).
 *
 * ```sh
 * deno run -A bench/pg_tx_cost.ts [stations=300] [cycles=10]
 * ```
 */
import { openPostgresPool } from "../postgres_pool.ts";
import { freshDatabase } from "../tests/helpers/postgres.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { readCpuS } from "./proc.ts";
import { transactionCycle } from "./transaction_cycle.ts";
import { backendCpuByPid, backendCpuDelta } from "./stores.ts";

const stations = Number(Deno.args[0] ?? 300);
const cycles = Number(Deno.args[1] ?? 10);
const meterValuesPerCycle = Number(Deno.args[2] ?? 3);
const db = await freshDatabase();
const admin = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
let commits = 0;
const store = await openPostgresStore(db.url, { onGroupCommit: () => commits++ });

const database = new URL(db.url).pathname.slice(1);

async function station(n: number, from: number, count: number): Promise<void> {
  const chargePointId = `PGTX-${n}`;
  let meter = 1000;
  for (let c = from; c < from + count; c++) {
    const t0 = Date.UTC(2026, 0, 1) + c * 600_000;
    meter = await transactionCycle(store, chargePointId, t0, meter, meterValuesPerCycle);
  }
}

try {
  // Warm-up: station rows, prepared statements, caches.
  await Promise.all(Array.from({ length: stations }, (_, n) => station(n, 0, 1)));
  const pg0 = await backendCpuByPid(admin, database);
  const own0 = readCpuS(Deno.pid) ?? 0;
  const js0 = performance.now();
  commits = 0;
  await Promise.all(Array.from({ length: stations }, (_, n) => station(n, 1, cycles)));
  const wallS = (performance.now() - js0) / 1000;
  // By pid: a backend that ended meanwhile is not subtracted from the ones that stayed.
  const pgS = backendCpuDelta(pg0, await backendCpuByPid(admin, database));
  const ownS = (readCpuS(Deno.pid) ?? 0) - own0;
  const done = stations * cycles;
  const [stats] = await admin<{ upd: number; hot: number }[]>`
    select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = 'transactions'
  `;
  console.log(JSON.stringify({
    stations,
    cycles: done,
    wallS: Number(wallS.toFixed(2)),
    cyclesPerS: Math.round(done / wallS),
    postgresUsPerCycle: Math.round(pgS * 1e6 / done),
    groupCommits: commits,
    ownUsPerCycle: Math.round(ownS * 1e6 / done),
    transactionsUpdates: stats,
  }));
} finally {
  await store.close();
  await admin.end();
  await db.drop();
}
