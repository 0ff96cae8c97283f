/**
 * The KV store's commit latency at a fixed rate, without the WebSocket layer: `stations` stations, each
 * sending a plain MeterValues commit (4 sampled values, no transaction: the plain mix's write) at an even
 * share of `rate` commits per second, group-committed as the actors' writes are. Prints the latency from
 * `commit` to its answer (p50/p99/max, ms), the CPU per commit of the JavaScript thread, of KV's SQLite
 * thread (`sw-0`) and of all the process's threads, and the event-loop lag (how late the 2 ms send tick
 * fires). For A/B of the tail (run it from each worktree).
 *
 * ```sh
 * deno run -A bench/kv_tail.ts [rate=2500] [stations=1000] [seconds=20]
 * ```
 *
 * `KV_TAIL_JOURNAL`: `off` (default), `on` (the meter journal for every commit), `adaptive` (the server's
 * rule with KV_METER_JOURNAL=on, store/open.ts), or a number: the journal's `journalFrom` alone (meter value
 * commits per station per interval from which a station journals). `KV_TAIL_INTERVAL_MS`: the journal
 * applier's interval (default the store's, 1,500 ms). `KV_TAIL_WINDOW_MS`: a fixed group-commit window
 * instead of the store's "while busy" (every write waits up to that long for company).
 *
 * `slowestBatches`: the 8 slowest group commits of the window as [ms, callers, seconds into the window]: a
 * slow commit of a usual size is the file's (a sync, a checkpoint), a large one a queue that built up.
 */
import { KvStore } from "../store/kv/mod.ts";
import { ADAPTIVE_BATCH_FROM, ADAPTIVE_JOURNAL_FROM } from "../store/kv/meter_journal.ts";
import { meterRows } from "./meter_rows.ts";
import { Histogram } from "./histogram.ts";

const rate = Number(Deno.args[0] ?? 2500);
const stations = Number(Deno.args[1] ?? 1000);
const seconds = Number(Deno.args[2] ?? 20);
const dir = await Deno.makeTempDir({ prefix: "kv-tail-" });
let batches = 0;
/** The slowest group commits of the measured window: [ms, callers, seconds into the window]. */
const slowest: [number, number, number][] = [];
let windowStart = 0;
const journal = Deno.env.get("KV_TAIL_JOURNAL") ?? "off";
const interval = Deno.env.get("KV_TAIL_INTERVAL_MS");
const applier = interval ? { intervalMs: Number(interval) } : {};
const commitWindow = Deno.env.get("KV_TAIL_WINDOW_MS");
const store = new KvStore(await Deno.openKv(`${dir}/csms.kv`), {
  meterJournal: journal === "off"
    ? false
    : journal === "on"
    ? { journalFrom: 0, ...applier }
    : journal === "adaptive"
    ? { journalFrom: ADAPTIVE_JOURNAL_FROM, batchFrom: ADAPTIVE_BATCH_FROM, ...applier }
    : { journalFrom: Number(journal), ...applier },
  ...(commitWindow ? { groupCommitMs: Number(commitWindow) } : {}),
  onBatch: () => batches++,
  commitObserver: ({ size, seconds }) => {
    if (!measuring) return;
    slowest.push([Math.round(seconds * 1000), size, Math.round(performance.now() - windowStart) / 1000]);
    slowest.sort((a, b) => b[0] - a[0]);
    slowest.length = Math.min(slowest.length, 8);
  },
});

/** µs on CPU so far: the JavaScript thread, KV's SQLite thread, every thread of the process. */
function cpu(): { js: number; sqlite: number; all: number } {
  let js = 0, sqlite = 0, all = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    const dir = `/proc/self/task/${t.name}`;
    const us = Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]) / 1000;
    all += us;
    if (t.name === String(Deno.pid)) js += us;
    else if (Deno.readTextFileSync(`${dir}/stat`).includes("(sw-0)")) sqlite += us;
  }
  return { js, sqlite, all };
}

const latency = new Histogram();
const lag = new Histogram();
let sent = 0;
let measuring = false;
let clock = Date.UTC(2026, 0, 1);
const meters = new Array<number>(stations).fill(1000);

/** One station's commit; recorded when it started inside the measured window. */
async function send(n: number): Promise<void> {
  const id = `KVT-${n}`;
  const at = new Date(clock += 10).toISOString();
  const counted = measuring;
  const t0 = performance.now();
  await store.commit({
    chargePointId: id,
    lastSeen: at,
    meterValues: meterRows(id, null, at, meters[n]! += 37),
  });
  if (counted) latency.record(performance.now() - t0);
}

/** Sends at `rate` for `ms`, a tick every 2 ms, each tick to the next stations in turn. */
async function run(ms: number): Promise<void> {
  const start = performance.now();
  let due = 0;
  let next = 0;
  let last = start;
  while (performance.now() - start < ms) {
    await new Promise((r) => setTimeout(r, 2));
    const now = performance.now();
    if (measuring) lag.record(Math.max(0, now - last - 2));
    last = now;
    const want = Math.floor(((now - start) / 1000) * rate);
    for (; due < want; due++) {
      send(next).catch((e) => console.error(e));
      next = (next + 1) % stations;
      if (measuring) sent++;
    }
  }
}

try {
  await run(3000); // warm-up: station groups, the JIT, the file's first pages
  const before = cpu();
  batches = 0;
  measuring = true;
  windowStart = performance.now();
  await run(seconds * 1000);
  measuring = false;
  await new Promise((r) => setTimeout(r, 500)); // the last commits answer (KV's thread ends at close)
  const after = cpu();
  await store.close();
  const s = latency.summary();
  const l = lag.summary();
  const per = (v: number) => Math.round((v / sent) * 10) / 10;
  console.log(JSON.stringify({
    journal,
    rate,
    stations,
    commits: sent,
    p50: s.p50,
    p99: s.p99,
    max: Math.round(s.max ?? 0),
    lagP99: l.p99,
    lagMax: Math.round(l.max ?? 0),
    jsUsPerCommit: per(after.js - before.js),
    sqliteUsPerCommit: per(after.sqlite - before.sqlite),
    allThreadsUsPerCommit: per(after.all - before.all),
    commitsPerBatch: Math.round(sent / Math.max(1, batches)),
    slowestBatches: slowest,
  }));
} finally {
  await Deno.remove(dir, { recursive: true });
}
