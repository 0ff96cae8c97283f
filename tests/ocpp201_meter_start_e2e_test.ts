/**
 * An OCPP 2.0.1 transaction whose Started event carries no energy reading: its energy must not be the meter's
 * lifetime register (the stop reading minus 0). The first later reading stands in for the start; with none,
 * the energy is unknown. A raw 2.0.1 station on both stores, read back through the API (PostgreSQL derives
 * the energy when it reads the row).
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function event(transactionId: string, eventType: string, seqNo: number, register: number | null) {
  return {
    eventType,
    timestamp: ago(30 - seqNo),
    triggerReason: eventType === "Ended"
      ? "StopAuthorized"
      : eventType === "Started"
      ? "Authorized"
      : "MeterValuePeriodic",
    seqNo,
    transactionInfo: { transactionId },
    evse: { id: 1, connectorId: 1 },
    ...(register === null ? {} : {
      meterValue: [{
        timestamp: ago(30 - seqNo),
        sampledValue: [{
          value: register,
          context: eventType === "Ended" ? "Transaction.End" : "Sample.Periodic",
          measurand: "Energy.Active.Import.Register",
        }],
      }],
    }),
  };
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 2.0.1 start without a reading never counts the meter's lifetime as energy`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-NOREAD`, ["ocpp2.0.1"]);
      const read = async (stationTransactionId: string) => {
        const list = await server.json("/api/v1/transactions?chargePointId=CP-NOREAD", { as: "viewer" });
        return list.body.items.find((t: { stationTransactionId: string }) =>
          t.stationTransactionId === stationTransactionId
        );
      };
      try {
        await rawAnswer(socket, "BootNotification", {
          chargingStation: { model: "X", vendorName: "Acme" },
          reason: "PowerUp",
        });
        await rawAnswer(socket, "TransactionEvent", event("TX-A", "Started", 0, null));
        await rawAnswer(socket, "TransactionEvent", event("TX-A", "Ended", 1, 123456));
        const a = await read("TX-A");
        assertEquals([a.status, a.meterStop, a.energyWh, a.meterStartUnknown], [
          "finished",
          123456,
          null,
          true,
        ]);

        await rawAnswer(socket, "TransactionEvent", event("TX-B", "Started", 0, null));
        await rawAnswer(socket, "TransactionEvent", event("TX-B", "Updated", 1, 125000));
        await rawAnswer(socket, "TransactionEvent", event("TX-B", "Ended", 2, 126500));
        const b = await read("TX-B");
        assertEquals([b.meterStart, b.energyWh, b.meterStartUnknown], [125000, 1500, undefined]);

        // Ended heard first (a shuffled queue): its reading is the stop's, never the start's.
        await rawAnswer(socket, "TransactionEvent", event("TX-C", "Ended", 2, 5000));
        const ended = await read("TX-C");
        assertEquals([ended.status, ended.energyWh, ended.meterStartUnknown], ["finished", null, true]);
        await rawAnswer(socket, "TransactionEvent", event("TX-C", "Updated", 1, 2000));
        await rawAnswer(socket, "TransactionEvent", event("TX-C", "Started", 0, null));
        const c = await read("TX-C");
        assertEquals([c.meterStart, c.meterStop, c.energyWh, c.meterStartUnknown], [
          2000,
          5000,
          3000,
          undefined,
        ]);
      } finally {
        await socket.close();
      }
    });
  });
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 2.0.1 Ended without a reading stops at the highest reading its Updated events brought`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-LATE`, ["ocpp2.0.1"]);
      try {
        await rawAnswer(socket, "BootNotification", {
          chargingStation: { model: "X", vendorName: "Acme" },
          reason: "PowerUp",
        });
        await rawAnswer(socket, "TransactionEvent", event("TX-D", "Started", 0, 1000));
        await rawAnswer(socket, "TransactionEvent", event("TX-D", "Updated", 2, 2400));
        // A shuffled queue: the earlier, lower reading comes last and changes nothing.
        await rawAnswer(socket, "TransactionEvent", event("TX-D", "Updated", 1, 1800));
        await rawAnswer(socket, "TransactionEvent", event("TX-D", "Ended", 3, null));
        const read = async (id: string) =>
          (await server.json("/api/v1/transactions?chargePointId=CP-LATE", { as: "viewer" })).body.items
            .find((t: { stationTransactionId: string }) => t.stationTransactionId === id);
        const d = await read("TX-D");
        assertEquals([d.status, d.meterStart, d.meterStop, d.energyWh, d.highestReading], [
          "finished",
          1000,
          2400,
          1400,
          2400,
        ]);
        // The Ended first, its readings after it (transactions QA): the stop follows them.
        await rawAnswer(socket, "TransactionEvent", event("TX-E", "Started", 0, 1000));
        await rawAnswer(socket, "TransactionEvent", event("TX-E", "Ended", 3, null));
        await rawAnswer(socket, "TransactionEvent", event("TX-E", "Updated", 1, 1800));
        await rawAnswer(socket, "TransactionEvent", event("TX-E", "Updated", 2, 2400));
        const e = await read("TX-E");
        assertEquals([e.status, e.meterStop, e.energyWh], ["finished", 2400, 1400]);
        // Fully reversed, the start unknown until its Started comes last.
        await rawAnswer(socket, "TransactionEvent", event("TX-F", "Ended", 3, null));
        await rawAnswer(socket, "TransactionEvent", event("TX-F", "Updated", 2, 12000));
        await rawAnswer(socket, "TransactionEvent", event("TX-F", "Updated", 1, 11000));
        await rawAnswer(socket, "TransactionEvent", event("TX-F", "Started", 0, 10000));
        const f = await read("TX-F");
        assertEquals([f.meterStart, f.meterStop, f.energyWh], [10000, 12000, 2000]);
        // An Ended with its own reading keeps it whatever arrives after it.
        await rawAnswer(socket, "TransactionEvent", event("TX-G", "Started", 0, 500));
        await rawAnswer(socket, "TransactionEvent", event("TX-G", "Ended", 2, 900));
        await rawAnswer(socket, "TransactionEvent", event("TX-G", "Updated", 1, 700));
        assertEquals((await read("TX-G")).meterStop, 900);
        // The grid side's meter (Inlet) and the EV's own count are other meters: only the outlet's is the
        // energy, whatever order a station lists them in.
        const metered = (seqNo: number, eventType: string, readings: [string, number][]) => ({
          ...event("TX-H", eventType, seqNo, null),
          meterValue: [{
            timestamp: ago(30 - seqNo),
            sampledValue: readings.map(([location, value]) => ({
              value,
              location,
              context: eventType === "Ended" ? "Transaction.End" : "Sample.Periodic",
              measurand: "Energy.Active.Import.Register",
            })),
          }],
        });
        await rawAnswer(
          socket,
          "TransactionEvent",
          metered(0, "Started", [["Outlet", 1000], ["Inlet", 50000]]),
        );
        await rawAnswer(socket, "TransactionEvent", metered(1, "Updated", [["Outlet", 1600], ["EV", 90000]]));
        await rawAnswer(socket, "TransactionEvent", metered(2, "Ended", [["Inlet", 61000], ["EV", 95000]]));
        const h = await read("TX-H");
        assertEquals([h.meterStart, h.meterStop, h.energyWh], [1000, 1600, 600]);
      } finally {
        await socket.close();
      }
    });
  });
}
