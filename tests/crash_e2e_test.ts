/**
 * Crash safety: the server process is killed with SIGKILL right after it answers, then started again on the
 * same store. What was acknowledged must be there.
 */
import { assertEquals } from "@std/assert";
import { openKvStore } from "../store/kv.ts";
import { spawnServer } from "./helpers/process.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const T0 = Date.parse("2026-11-25T08:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

Deno.test("a StartTransaction and a MeterValues batch answered just before SIGKILL survive the restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-crash-" });
  const env = { KV_PATH: `${dir}/csms.kv` };
  try {
    const first = await spawnServer(env);
    const station = await connectStation(first.wsUrl, "CP-CRASH");
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "T",
      meterStart: 10,
      timestamp: at(0),
    });
    const status = await first.kill("SIGKILL");
    assertEquals(status.signal, "SIGKILL");
    await closeStation(station);

    const second = await spawnServer(env);
    const again = await connectStation(second.wsUrl, "CP-CRASH", { boot: false });
    // The station did not hear of a crash: a replay gets the same id, nothing new is created.
    assertEquals(
      (await again.call("StartTransaction", {
        connectorId: 1,
        idTag: "T",
        meterStart: 10,
        timestamp: at(0),
      })).transactionId,
      start.transactionId,
    );
    const batch = Array.from(
      { length: 30 },
      (_, i) => ({ timestamp: at(i + 1), sampledValue: [{ value: `${i}` }] }),
    );
    await again.call("MeterValues", {
      connectorId: 1,
      transactionId: start.transactionId,
      meterValue: batch,
    });
    await second.kill("SIGKILL");
    await closeStation(again);

    const store = await openKvStore(env.KV_PATH);
    try {
      const tx = await store.getTransaction(start.transactionId);
      assertEquals([tx?.chargePointId, tx?.meterStart, tx?.status], ["CP-CRASH", 10, "active"]);
      assertEquals((await store.listTransactions({ chargePointId: "CP-CRASH", limit: 10 })).length, 1);
      assertEquals((await store.listMeterValuesByTransaction(start.transactionId)).length, 30);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
