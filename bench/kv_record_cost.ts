/**
 * What a station's configuration costs the KV store's hot patches: `stations` callers each commit `rounds`
 * StatusNotification-like changes (a connectors patch, lastSeen, a status history entry) to stations whose
 * record holds a GetConfiguration answer of `keys` keys (0: none). Prints msgs/s and the CPU per message of
 * this process's JavaScript thread and of KV's SQLite thread (`sw-0`; schedstat, µs). Pin it to one core for
 * an A/B (`taskset -c 1`).
 *
 * ```sh
 * deno run -A bench/kv_record_cost.ts [keys=150] [stations=300] [rounds=20]
 * ```
 */
import { type ChargePointRecord, type ConnectorState, emptyRecord } from "../model/charge_point.ts";
import type { StationChanges } from "../model/changes.ts";
import { KvStore } from "../store/kv/mod.ts";

const keys = Number(Deno.args[0] ?? 150);
const stations = Number(Deno.args[1] ?? 300);
const rounds = Number(Deno.args[2] ?? 20);
const iso = (ms: number) => new Date(ms).toISOString();
const idOf = (n: number) => `KVRC-${n}`;

const configuration = keys === 0 ? null : Array.from({ length: keys }, (_, i) => ({
  key: `VendorSpecificConfigurationKey${i}`,
  readonly: i % 3 === 0,
  value: `value-${i}-${"x".repeat(40)}`,
}));

function connectors(status: "Available" | "Charging", at: string): ConnectorState[] {
  return [1, 2].map((connectorId) => ({ connectorId, status, errorCode: "NoError", timestamp: at }));
}

function statusChanges(n: number, round: number): StationChanges {
  const at = iso(1_000 + round * 1_000);
  const status = round % 2 ? "Charging" : "Available";
  return {
    chargePointId: idOf(n),
    lastSeen: at,
    snapshot: { connectors: connectors(status, at), updatedAt: at },
    statusHistory: [{
      chargePointId: idOf(n),
      connectorId: 1,
      status,
      errorCode: "NoError",
      timestamp: at,
      receivedAt: at,
    }],
  };
}

/** Per thread name: µs on CPU (schedstat). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of Deno.readDirSync("/proc/self/task")) {
    const stat = Deno.readTextFileSync(`/proc/self/task/${t.name}/stat`);
    const name = t.name === String(Deno.pid)
      ? "js"
      : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const us = Number(Deno.readTextFileSync(`/proc/self/task/${t.name}/schedstat`).split(" ")[0]) / 1000;
    out.set(name, (out.get(name) ?? 0) + us);
  }
  return out;
}

const dir = await Deno.makeTempDir({ prefix: "kv-record-cost-" });
const store = new KvStore(await Deno.openKv(`${dir}/csms.kv`));
const run = (from: number, count: number) =>
  Promise.all(Array.from({ length: stations }, async (_, n) => {
    for (let r = from; r < from + count; r++) await store.commit(statusChanges(n, r));
  }));

try {
  for (let n = 0; n < stations; n++) {
    const record: ChargePointRecord = {
      ...emptyRecord(idOf(n), new Date(0)),
      configuration,
      connectors: connectors("Available", iso(0)),
    };
    await store.putChargePoint(record);
  }
  await run(0, 3);
  const before = threadCpu();
  const t0 = performance.now();
  await run(3, rounds);
  const wallS = (performance.now() - t0) / 1000;
  const after = threadCpu();
  const messages = stations * rounds;
  const per = (thread: string) =>
    Math.round(((after.get(thread) ?? 0) - (before.get(thread) ?? 0)) / messages * 10) / 10;
  console.log(JSON.stringify({
    keys,
    configurationBytes: JSON.stringify(configuration).length,
    msgsPerS: Math.round(messages / wallS),
    jsUsPerMsg: per("js"),
    sqliteUsPerMsg: per("sw-0"),
  }));
} finally {
  await store.close();
  await Deno.remove(dir, { recursive: true });
}
