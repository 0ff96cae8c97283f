/**
 * Transaction messages a station sends out of order or ambiguously, through a raw station on both stores:
 * an old StartTransaction delivered after a later session began (an offline queue flushed late) must not
 * mark the running session superseded nor take its connector; and a second, different stop of a finished
 * transaction (a station without a clock whose next session repeated the first's start values, so we took it
 * for a replay) is kept for review as an orphan stop, never silently dropped. A session's begin reading equal
 * to an idle clock-aligned reading of the same instant is the session's, not a replay of the idle one.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 2.0.1 transaction delivered late leaves the one running on its EVSE alone`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-LATE201`, ["ocpp2.0.1"]);
      try {
        await rawAnswer(socket, "BootNotification", {
          chargingStation: { model: "X", vendorName: "Acme" },
          reason: "PowerUp",
        });
        const event = (transactionId: string, eventType: string, seqNo: number, timestamp: string) => ({
          eventType,
          timestamp,
          triggerReason: eventType === "Ended" ? "EVCommunicationLost" : "Authorized",
          seqNo,
          transactionInfo: { transactionId },
          evse: { id: 1, connectorId: 1 },
        });
        await rawAnswer(socket, "TransactionEvent", event("T-NEW", "Started", 0, ago(10)));
        await rawAnswer(socket, "TransactionEvent", event("T-OLD", "Started", 0, ago(60)));
        await rawAnswer(socket, "TransactionEvent", event("T-OLD", "Ended", 1, ago(30)));
        const list = await server.json("/api/v1/transactions?chargePointId=CP-LATE201", { as: "viewer" });
        const byStation = Object.fromEntries(
          (list.body.items as { stationTransactionId: string; status: string }[])
            .map((t) => [t.stationTransactionId, t.status]),
        );
        assertEquals(byStation, { "T-NEW": "active", "T-OLD": "finished" });
        const station = await server.json("/api/v1/charge-points/CP-LATE201", { as: "viewer" });
        assertEquals(station.body.evses[0].transactionId, "T-NEW");
      } finally {
        await socket.close();
      }
    });
  });

  Deno.test(`${kind}: a start timed a year ahead does not hold the connector against the next sessions`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-AHEAD`);
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const start = (idTag: string, meterStart: number, timestamp: string) =>
          rawAnswer(socket, "StartTransaction", { connectorId: 1, idTag, meterStart, timestamp });
        const phantom = await start("CARD-A", 100, new Date(Date.now() + 365 * 86_400_000).toISOString());
        const real = await start("CARD-B", 200, ago(0));
        const tx = async (id: unknown) =>
          (await server.json(`/api/v1/transactions/${id}`, { as: "viewer" })).body;
        assertEquals([(await tx(real.transactionId)).status, (await tx(phantom.transactionId)).status], [
          "active",
          "superseded",
        ]);
        const station = await server.json("/api/v1/charge-points/CP-AHEAD", { as: "viewer" });
        assertEquals(station.body.connectors[0].transactionId, real.transactionId);
      } finally {
        await socket.close();
      }
    });
  });

  Deno.test(`${kind}: a begin reading equal to an idle clock reading of its instant joins its session`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-CLOCK`);
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const instant = ago(15);
        const reading = (context: string) => [{
          timestamp: instant,
          sampledValue: [{ value: "4200", context, measurand: "Energy.Active.Import.Register", unit: "Wh" }],
        }];
        // The quarter-hour clock reading, idle; the session starts in that same second.
        await rawAnswer(socket, "MeterValues", { connectorId: 1, meterValue: reading("Sample.Clock") });
        const { transactionId } = await rawAnswer(socket, "StartTransaction", {
          connectorId: 1,
          idTag: "T",
          meterStart: 4200,
          timestamp: instant,
        });
        const begin = { connectorId: 1, transactionId, meterValue: reading("Transaction.Begin") };
        await rawAnswer(socket, "MeterValues", begin);
        await rawAnswer(socket, "MeterValues", begin); // a replay: stored once
        const values = await server.json(`/api/v1/transactions/${transactionId}/meter-values`, {
          as: "viewer",
        });
        assertEquals(
          values.body.items.map((v: { context: string; value: string }) => [v.context, v.value]),
          [["Transaction.Begin", "4200"]],
        );
      } finally {
        await socket.close();
      }
    });
  });

  Deno.test(`${kind}: a late old start leaves the running session alone; a second stop is kept`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-LATE`);
      const tx = async (id: unknown) =>
        (await server.json(`/api/v1/transactions/${id}`, { as: "viewer" })).body;
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const start = (idTag: string, meterStart: number, timestamp: string) =>
          rawAnswer(socket, "StartTransaction", { connectorId: 1, idTag, meterStart, timestamp });
        const running = (await start("LIVE", 5000, ago(10))).transactionId;
        const late = (await start("QUEUED", 1000, ago(60))).transactionId;
        assertEquals((await tx(running)).status, "active");
        const station = await server.json("/api/v1/charge-points/CP-LATE", { as: "viewer" });
        assertEquals(
          station.body.connectors[0].transactionId,
          running,
          "the running session keeps the connector",
        );
        await rawAnswer(socket, "StopTransaction", {
          transactionId: late,
          meterStop: 1800,
          timestamp: ago(30),
        });
        await rawAnswer(socket, "StopTransaction", {
          transactionId: running,
          meterStop: 5600,
          timestamp: ago(1),
        });
        assertEquals([(await tx(late)).energyWh, (await tx(running)).energyWh], [800, 600]);

        // No clock: every session starts at the same time from meter 0 with the same card.
        const blind = { connectorId: 2, idTag: "CARD", meterStart: 0, timestamp: "2000-01-01T00:00:00.000Z" };
        const first = (await rawAnswer(socket, "StartTransaction", blind)).transactionId;
        await rawAnswer(socket, "StopTransaction", {
          transactionId: first,
          meterStop: 100,
          timestamp: "2000-01-01T01:00:00.000Z",
        });
        const second = (await rawAnswer(socket, "StartTransaction", blind)).transactionId;
        assertEquals(second, first, "taken for a replay of the first start, as it must be");
        await rawAnswer(socket, "StopTransaction", {
          transactionId: second,
          meterStop: 250,
          timestamp: "2000-01-01T02:00:00.000Z",
        });
        assertEquals((await tx(first)).meterStop, 100, "the first stop stands");
        const orphans = await server.json("/api/v1/orphan-stops", { as: "viewer" });
        assertEquals(
          orphans.body.items.map((
            o: { transactionId: number; meterStop: number },
          ) => [o.transactionId, o.meterStop]),
          [[first, 250]],
        );
      } finally {
        await socket.close();
      }
    });
  });
}
