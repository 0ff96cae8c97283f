/**
 * The KV meter journal (KV_METER_JOURNAL=on) when the disk under its file fills up (a real small disk,
 * tests/helpers/small_disk.ts; root only): journaled groups wait in the journal, the applier's runs fail
 * without an unhandled rejection and without a loop burning CPU (it tries again at its interval), new
 * MeterValues are refused (not acknowledged), and once space is back the applier moves every journaled group
 * into its list by itself, each once.
 */
import { assertEquals, assertGreater, assertLess, assertRejects } from "@std/assert";
import type { MeterValueRow } from "../model/meter_value.ts";
import { at, meterRow } from "../store/contract/harness.ts";
import { KvStore, openKvHandle } from "../store/kv/mod.ts";
import { StoreUnavailableError } from "../store/mod.ts";
import { withAtomics } from "./helpers/kv.ts";
import { eventually } from "./helpers/server.ts";
import { mountSmallDisk, smallDiskUnavailable } from "./helpers/small_disk.ts";

const noSmallDisk = await smallDiskUnavailable();

/** The applier's interval here (the server's is 1.5 s). */
const INTERVAL_MS = 500;

function frame(minute: number): MeterValueRow[] {
  return ["Energy.Active.Import.Register", "Power.Active.Import"].map((measurand, i) =>
    meterRow({ timestamp: at(minute), transactionId: 7, measurand, value: String(minute * 10 + i) })
  );
}

async function count(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

Deno.test({
  name:
    "KV meter journal on a full disk: entries wait, the applier fails quietly at its interval, and applies each once when space is back",
  ignore: noSmallDisk !== null,
  fn: async () => {
    const disk = await mountSmallDisk(16);
    const handle = await openKvHandle(`${disk.path}/csms.kv`);
    let atomics = 0;
    const kv = withAtomics(handle, () => atomics++);
    const store = new KvStore(kv, { closeHandle: false, meterJournal: { intervalMs: INTERVAL_MS } });
    try {
      const stored: MeterValueRow[] = [];
      for (let minute = 0; minute < 20; minute++) {
        await store.addMeterValues(frame(minute));
        stored.push(...frame(minute));
      }
      await disk.fill();
      const waiting = await count(kv, "mv_j");
      assertGreater(waiting, 0, "journaled groups not applied when the disk filled");
      await assertRejects(() => store.addMeterValues(frame(100)), Error, "disk is full");
      // A read would lack the journaled values: the store is unavailable (503 for an operator), not wrong.
      await assertRejects(
        () => store.listMeterValuesByTransaction(7),
        StoreUnavailableError,
        "the meter journal cannot be applied (database or disk is full)",
      );
      const cpuBefore = thisThreadCpuS();
      const atomicsBefore = atomics;
      await new Promise((r) => setTimeout(r, 5 * INTERVAL_MS));
      // About one failed run an interval, each an atomic or two: not a retry at once after each failure.
      assertLess(atomics - atomicsBefore, 15, "atomics tried in 5 intervals of a full disk");
      assertEquals(await count(kv, "mv_j"), waiting, "the journal waits while the disk is full");
      const cpuS = thisThreadCpuS() - cpuBefore;
      // Five failed runs cost milliseconds; runs retried at once would take the whole 2.5 s. This test's own
      // thread: `deno test --parallel` runs other test files in threads of this process, whose CPU the process's
      // count holds (CI: over 1 s in 2.5 s). The count of atomics above is the exact check.
      assertLess(cpuS, 1, "CPU seconds of 2.5 s of failing applier runs");

      await disk.free();
      await eventually(async () => await count(kv, "mv_j") === 0, 15_000, "the journal applied");
      const rows = await store.listMeterValuesByTransaction(7);
      assertEquals(
        rows.map((r) => `${r.timestamp} ${r.measurand} ${r.value}`).sort(),
        stored.map((r) => `${r.timestamp} ${r.measurand} ${r.value}`).sort(),
      );
      // And a new frame is stored again.
      assertEquals(await store.addMeterValues(frame(100)), 2);
    } finally {
      await disk.free();
      await store.close();
      handle.close();
      await disk.remove();
    }
  },
});

/**
 * The CPU seconds (user + system) this test's JavaScript thread has used (Linux: `/proc/thread-self`, read
 * synchronously, so on this thread).
 */
function thisThreadCpuS(): number {
  const stat = Deno.readTextFileSync("/proc/thread-self/stat");
  // After the command name in parentheses (which may hold spaces): utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
