/**
 * StatusNotifications that arrive out of order (a queue flushed after a reconnect, two sent in a burst): a
 * report timed before the connector's current status is kept in the history but does not replace the status,
 * so an old Faulted cannot show a working connector as broken. Raw 1.6 and 2.0.1 stations, both stores.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a connector never reported is assumed Charging during a session, unknown after it`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-QUIET`);
      const connectors = async () =>
        (await server.json("/api/v1/charge-points/CP-QUIET", { as: "viewer" })).body.connectors;
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const start = {
          connectorId: 1,
          idTag: "T",
          meterStart: 0,
          timestamp: ago(30),
        };
        const { transactionId } = await rawAnswer(socket, "StartTransaction", start);
        assertEquals(await connectors(), [{
          connectorId: 1,
          status: "Charging",
          errorCode: "NoError",
          timestamp: start.timestamp,
          transactionId,
          assumed: true,
        }]);
        await rawAnswer(socket, "StopTransaction", { transactionId, meterStop: 500, timestamp: ago(1) });
        // Nothing says what it is now: not "Charging" for ever.
        assertEquals(await connectors(), []);
        // A reported connector keeps its reported status after a session.
        await rawAnswer(socket, "StatusNotification", {
          connectorId: 1,
          status: "Preparing",
          errorCode: "NoError",
          timestamp: ago(1),
        });
        const second = await rawAnswer(socket, "StartTransaction", {
          connectorId: 1,
          idTag: "T",
          meterStart: 500,
          timestamp: ago(1),
        });
        await rawAnswer(socket, "StopTransaction", {
          transactionId: second.transactionId,
          meterStop: 900,
          timestamp: new Date().toISOString(),
        });
        const after = await connectors();
        assertEquals([after.length, after[0].status, after[0].transactionId, after[0].assumed], [
          1,
          "Preparing",
          undefined,
          undefined,
        ]);
      } finally {
        await socket.close();
      }
    });
  });

  Deno.test(`${kind}: an older StatusNotification goes to the history, not over the current status`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-ORDER`);
      const connector = async () =>
        (await server.json("/api/v1/charge-points/CP-ORDER", { as: "viewer" })).body.connectors[0];
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const status = (status: string, errorCode: string, timestamp: string) =>
          rawAnswer(socket, "StatusNotification", { connectorId: 1, status, errorCode, timestamp });
        await status("Available", "NoError", ago(10));
        await status("Faulted", "GroundFailure", ago(20));
        assertEquals((await connector()).status, "Available");
        const history = await server.json("/api/v1/charge-points/CP-ORDER/status-history?limit=5", {
          as: "viewer",
        });
        assertEquals(history.body.items.map((h: { status: string }) => h.status), ["Faulted", "Available"]);
        // A newer report still replaces it.
        await status("Faulted", "GroundFailure", ago(5));
        assertEquals((await connector()).status, "Faulted");
        // A station whose clock lags ours: its connector first seen in a StartTransaction, then reported.
        await rawAnswer(socket, "StartTransaction", {
          connectorId: 2,
          idTag: "T",
          meterStart: 0,
          timestamp: ago(40),
        });
        await rawAnswer(socket, "StatusNotification", {
          connectorId: 2,
          status: "SuspendedEV",
          errorCode: "NoError",
          timestamp: ago(39),
        });
        const second = (await server.json("/api/v1/charge-points/CP-ORDER", { as: "viewer" })).body.connectors
          .find((c: { connectorId: number }) => c.connectorId === 2);
        assertEquals(second.status, "SuspendedEV");
        // Nor does a report without a timestamp (timed by our clock) hold back the station's next ones.
        await rawAnswer(socket, "StatusNotification", {
          connectorId: 3,
          status: "Available",
          errorCode: "NoError",
        });
        await rawAnswer(socket, "StatusNotification", {
          connectorId: 3,
          status: "Unavailable",
          errorCode: "NoError",
          timestamp: ago(20),
        });
        const third = (await server.json("/api/v1/charge-points/CP-ORDER", { as: "viewer" })).body.connectors
          .find((c: { connectorId: number }) => c.connectorId === 3);
        assertEquals(third.status, "Unavailable");
      } finally {
        await socket.close();
      }

      const socket201 = await openRaw(`${server.wsUrl}/CP-ORDER-201`, ["ocpp2.0.1"]);
      try {
        await rawAnswer(socket201, "BootNotification", {
          chargingStation: { model: "X", vendorName: "Acme" },
          reason: "PowerUp",
        });
        const status = (connectorStatus: string, timestamp: string) =>
          rawAnswer(socket201, "StatusNotification", {
            timestamp,
            connectorStatus,
            evseId: 1,
            connectorId: 1,
          });
        await status("Available", ago(10));
        await status("Faulted", ago(20));
        const read = async () =>
          (await server.json("/api/v1/charge-points/CP-ORDER-201", { as: "viewer" })).body.evses[0].status;
        assertEquals(await read(), "Available");
        await status("Faulted", ago(5));
        assertEquals(await read(), "Faulted");
      } finally {
        await socket201.close();
      }
    });
  });
}
