/**
 * A long session's StopTransaction carries its readings (transactionData): a day at one sample a minute is
 * over half a megabyte, far past MAX_FRAME_BYTES. Such a stop must be stored, on Deno KV and on PostgreSQL,
 * not refused with 1009 on every retry until the station gives up: that would lose the transaction.
 */
import { assert, assertEquals } from "@std/assert";
import { withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation, connectStation, openRaw } from "./helpers/station.ts";

const START = Date.parse("2026-11-30T00:00:00.000Z");
const MINUTES = 24 * 60;

/** A day of readings, one a minute: energy, power, current and voltage. */
function dayOfReadings() {
  return Array.from({ length: MINUTES }, (_, minute) => ({
    timestamp: new Date(START + minute * 60_000).toISOString(),
    sampledValue: [
      { value: String(1000 + minute * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" },
      { value: "6000", measurand: "Power.Active.Import", unit: "W", context: "Sample.Periodic" },
      { value: "26.1", measurand: "Current.Import", unit: "A", phase: "L1", context: "Sample.Periodic" },
      { value: "230.4", measurand: "Voltage", unit: "V", phase: "L1-N", context: "Sample.Periodic" },
    ],
  }));
}

const ignorePostgres = await ignoreWithoutPostgres("long session on PostgreSQL");

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name: `${kind}: a day-long session's StopTransaction with all its readings (${
      MINUTES * 4
    } values) is stored`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const station = await connectStation(server.wsUrl, "CP-LONG");
        try {
          const start = await station.call("StartTransaction", {
            connectorId: 1,
            idTag: "DRIVER",
            meterStart: 1000,
            timestamp: new Date(START).toISOString(),
          });
          const transactionData = dayOfReadings();
          const stop = {
            transactionId: start.transactionId,
            meterStop: 1000 + MINUTES * 100,
            timestamp: new Date(START + MINUTES * 60_000).toISOString(),
            reason: "EVDisconnected",
            transactionData,
          };
          const bytes = new TextEncoder().encode(JSON.stringify(stop)).length;
          assert(bytes > 512 * 1024, `the stop is ${bytes} bytes`);
          await station.call("StopTransaction", stop);
          const stored = await server.store.getTransaction(start.transactionId);
          assertEquals([stored?.status, stored?.meterStop], ["finished", 1000 + MINUTES * 100]);
          const readings = await server.store.listMeterValuesByTransaction(start.transactionId);
          assertEquals(readings.length, MINUTES * 4);
          // Only transaction data may be that long, and only from a station we serve: a socket that never
          // booted is closed with 1009 for it.
          const stranger = await openRaw(`${server.wsUrl}/CP-STRANGER`);
          stranger.ws.send(JSON.stringify([2, "big", "StopTransaction", stop]));
          const outcome = await Promise.race([
            stranger.closed.then(({ code }) => code),
            stranger.next().then((answer) => `answered ${JSON.stringify(answer).slice(0, 60)}`),
          ]);
          assertEquals(outcome, 1009);
          // Any other frame past MAX_FRAME_BYTES still closes 1009.
          const events = station as unknown as { once(e: "close", f: (c: { code: number }) => void): void };
          const closed = new Promise<number>((resolve) => events.once("close", ({ code }) => resolve(code)));
          await station.call("DataTransfer", { vendorId: "x", data: "x".repeat(100 * 1024) }).catch(() => {});
          assertEquals(await closed, 1009);
        } finally {
          await closeStation(station);
        }
      }),
  });
}
