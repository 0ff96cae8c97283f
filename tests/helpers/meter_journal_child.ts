/**
 * A process that stores meter values through the KV store's journal and prints one line per acknowledged
 * group (a JSON row list), its applier held off: the crash test kills it with SIGKILL while entries are
 * still in the journal.
 *
 * ```sh
 * deno run -A tests/helpers/meter_journal_child.ts <kv path> <stations>
 * ```
 */
import type { MeterValueRow } from "../../model/meter_value.ts";
import { openKvStore } from "../../store/kv/mod.ts";

const [path, stations] = [Deno.args[0]!, Number(Deno.args[1] ?? 8)];
const store = await openKvStore(path, { meterJournal: { intervalMs: 3_600_000 } });
const encoder = new TextEncoder();
const T0 = Date.parse("2026-12-02T08:00:00Z");

function frame(station: number, second: number): MeterValueRow[] {
  const timestamp = new Date(T0 + second * 1000).toISOString();
  return ["Energy.Active.Import.Register", "Power.Active.Import"].map((measurand, i) => ({
    chargePointId: `CP-J${station}`,
    connectorId: 1,
    transactionId: 100 + station,
    timestamp,
    value: String(second * 10 + i),
    context: "Sample.Periodic",
    format: "Raw",
    measurand,
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt: timestamp,
  }));
}

// Every station sends frame after frame until the process is killed.
await Promise.all(Array.from({ length: stations }, async (_, s) => {
  for (let second = 0;; second++) {
    const rows = frame(s, second);
    await store.addMeterValues(rows);
    Deno.stdout.writeSync(encoder.encode(JSON.stringify(rows) + "\n"));
  }
}));
