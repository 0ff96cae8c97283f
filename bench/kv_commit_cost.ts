/**
 * The KV store's cost of the write path, without the WebSocket layer: `stations` concurrent callers of the
 * store on a fresh KV file, each `rounds` times either a MeterValues commit (4 sampled values, no
 * transaction: the plain mix's write) or a transaction cycle (Start, 3 x MeterValues, Stop through
 * `startTransaction`, `commit` and `stopTransaction`), group-committed as the actors' writes are. Prints the
 * CPU per message of this process's JavaScript thread and of KV's SQLite thread (`sw-0`; schedstat, µs), the
 * bytes SQLite wrote and the atomics per message. For A/B of the KV write path (run it from each worktree).
 *
 * ```sh
 * deno run -A bench/kv_commit_cost.ts [plain|tx] [stations=300] [rounds=20]
 * ```
 */
import { KvStore } from "../store/kv/mod.ts";
import { meterRows } from "./meter_rows.ts";
import { transactionCycle } from "./transaction_cycle.ts";

const mode = Deno.args[0] ?? "plain";
const stations = Number(Deno.args[1] ?? 300);
const rounds = Number(Deno.args[2] ?? 20);
const dir = await Deno.makeTempDir({ prefix: "kv-commit-cost-" });
let atomics = 0;
const store = new KvStore(await Deno.openKv(`${dir}/csms.kv`), { onBatch: (b) => (atomics += b.atomics) });
const iso = (ms: number) => new Date(ms).toISOString();

/** One station's messages from round `from` on; returns how many it sent. */
async function station(n: number, from: number, count: number): Promise<number> {
  const chargePointId = `KVCC-${n}`;
  let meter = 1000;
  let sent = 0;
  for (let c = from; c < from + count; c++) {
    const t0 = Date.UTC(2026, 0, 1) + c * 600_000;
    if (mode === "plain") {
      meter += 37;
      await store.commit({
        chargePointId,
        lastSeen: iso(t0),
        meterValues: meterRows(chargePointId, null, iso(t0), meter),
      });
      sent++;
      continue;
    }
    meter = await transactionCycle(store, chargePointId, t0, meter, 3);
    sent += 5;
  }
  return sent;
}

/** Per thread name: µs on CPU (schedstat) and bytes written (io wchar). */
function threads(): Map<string, { us: number; bytes: number }> {
  const out = new Map<string, { us: number; bytes: number }>();
  for (const t of Deno.readDirSync("/proc/self/task")) {
    const dir = `/proc/self/task/${t.name}`;
    const stat = Deno.readTextFileSync(`${dir}/stat`);
    const name = t.name === String(Deno.pid)
      ? "js"
      : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const us = Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]) / 1000;
    const bytes = Number(/wchar: (\d+)/.exec(Deno.readTextFileSync(`${dir}/io`))?.[1] ?? 0);
    const prev = out.get(name) ?? { us: 0, bytes: 0 };
    out.set(name, { us: prev.us + us, bytes: prev.bytes + bytes });
  }
  return out;
}

try {
  // Warm-up: station records, the JIT, the file's first pages.
  await Promise.all(Array.from({ length: stations }, (_, n) => station(n, 0, 2)));
  const before = threads();
  atomics = 0;
  const t0 = performance.now();
  const sent = (await Promise.all(Array.from({ length: stations }, (_, n) => station(n, 2, rounds))))
    .reduce((a, b) => a + b, 0);
  const wallS = (performance.now() - t0) / 1000;
  const after = threads();
  const delta = (name: string) => {
    const a = after.get(name), b = before.get(name);
    return { us: (a?.us ?? 0) - (b?.us ?? 0), bytes: (a?.bytes ?? 0) - (b?.bytes ?? 0) };
  };
  const per = (v: number) => Math.round((v / sent) * 10) / 10;
  console.log(JSON.stringify({
    mode,
    stations,
    messages: sent,
    msgsPerS: Math.round(sent / wallS),
    jsUsPerMsg: per(delta("js").us),
    sqliteUsPerMsg: per(delta("sw-0").us),
    sqliteBytesPerMsg: Math.round(delta("sw-0").bytes / sent),
    msgsPerAtomic: Math.round(sent / Math.max(atomics, 1)),
  }));
} finally {
  await store.close();
  await Deno.remove(dir, { recursive: true });
}
