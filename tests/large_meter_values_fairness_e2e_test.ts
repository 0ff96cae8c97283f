/**
 * One station's very large MeterValues (an offline station's buffered readings: 10,000 of them, ~0.7 MB, within
 * MAX_TRANSACTION_FRAME_BYTES) on the embedded store takes hundreds of milliseconds of reads and atomics to
 * store. Another station's StatusNotification sent meanwhile is answered without waiting for it, and the large
 * one is answered only once all of its readings are stored. Strict ocpp-rpc stations over a real WebSocket.
 */
import { assert, assertEquals } from "@std/assert";
import { startTestServer } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const READINGS = 10_000;
const since = Date.parse("2026-11-30T00:00:00Z");

Deno.test("kv: a station's 10,000 buffered meter values do not hold another station's StatusNotification", async () => {
  const server = await startTestServer();
  const large = await connectStation(server.wsUrl, "CP-BUFFERED");
  const other = await connectStation(server.wsUrl, "CP-OTHER");
  try {
    const answered: string[] = [];
    const meterValue = Array.from({ length: READINGS }, (_, i) => ({
      timestamp: new Date(since + i * 60_000).toISOString(),
      sampledValue: [{ value: `${1000 + i}`, measurand: "Energy.Active.Import.Register", unit: "Wh" }],
    }));
    const buffered = large.call("MeterValues", { connectorId: 1, meterValue })
      .then((answer) => (answered.push("large"), answer));
    // The large frame is being stored (its first readings are in) when the other station reports.
    const started = performance.now();
    while ((await server.store.listMeterValuesByChargePoint("CP-BUFFERED", 1)).length === 0) {
      assert(performance.now() - started < 30_000, "the large MeterValues was never stored");
      await new Promise((r) => setTimeout(r, 1));
    }
    await other.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
    answered.push("other");
    assertEquals(await buffered, {});
    assertEquals(answered, ["other", "large"]);
    assertEquals(
      (await server.store.listMeterValuesByChargePoint("CP-BUFFERED", READINGS + 1)).length,
      READINGS,
    );
  } finally {
    await closeStation(large);
    await closeStation(other);
    await server.close();
  }
});
