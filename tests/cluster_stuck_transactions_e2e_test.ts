/**
 * Closing a stuck transaction by hand through one node of a cluster while its station is connected to another
 * (two server processes on one PostgreSQL database): the connector (1.6) or EVSE (2.0.1) that held it is free
 * on the node that holds the station, so the station's next StatusNotification does not write the closed
 * transaction back, and a remote start is not refused as busy.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const ignore = await ignoreWithoutPostgres("closing transactions by hand in a cluster");

// deno-lint-ignore no-explicit-any
type Json = any;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

Deno.test({
  name:
    "a transaction closed by hand through another node frees the connector and the EVSE where the station is",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("csms_cluster_close");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PRESENCE_LEASE_S: "2",
    };
    const holder = await spawnServer(env);
    const other = await spawnServer(env);
    const stations: Station[] = [];
    try {
      await eventually(
        () => [holder, other].every((s) => s.logs.some((l) => l.msg === "cluster node started")),
        30_000,
        "two cluster nodes",
      );
      // An admin session through each node.
      const apis = new Map([[holder, await adminApi(holder.url)], [other, await adminApi(other.url)]]);
      const api = (server: ServerProcess, path: string, init?: { method?: string; body?: unknown }) =>
        apis.get(server)!(path, init);
      const onlineElsewhere = (id: string) =>
        eventually(async () => (await api(other, `/charge-points/${id}`)).body?.online === true, 10_000, id);

      // OCPP 1.6: the connector held the transaction.
      const cp16 = await connectStation(holder.wsUrl, "CP-16");
      stations.push(cp16);
      await cp16.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
      const start = await cp16.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-1",
        meterStart: 1000,
        timestamp: minutesAgo(120),
      });
      await onlineElsewhere("CP-16");
      const closed16 = await api(other, `/transactions/${start.transactionId}/close`, {
        method: "POST",
        body: { timestamp: minutesAgo(60), meterStop: 5000, reason: "cable stuck" },
      });
      assertEquals(closed16.status, 200, JSON.stringify(closed16.body));
      // The station's next status is written from the holder's memory of the snapshot.
      await cp16.call("StatusNotification", { connectorId: 1, status: "SuspendedEV", errorCode: "NoError" });
      for (const server of [holder, other]) {
        const connector = (await api(server, "/charge-points/CP-16")).body.connectors
          .find((c: Json) => c.connectorId === 1);
        assertEquals([connector.status, connector.transactionId], ["SuspendedEV", undefined]);
      }

      // OCPP 2.0.1: the EVSE held the station's transaction id.
      const cp201 = await connectStation201(holder.wsUrl, "CP-201");
      stations.push(cp201);
      await cp201.call("StatusNotification", {
        timestamp: minutesAgo(121),
        connectorStatus: "Occupied",
        evseId: 1,
        connectorId: 1,
      });
      await cp201.call("TransactionEvent", {
        eventType: "Started",
        seqNo: 0,
        timestamp: minutesAgo(120),
        triggerReason: "CablePluggedIn",
        transactionInfo: { transactionId: "hung-1" },
        evse: { id: 1, connectorId: 1 },
        meterValue: [{
          timestamp: minutesAgo(120),
          sampledValue: [{ value: 10_000, context: "Transaction.Begin" }],
        }],
      });
      await onlineElsewhere("CP-201");
      const id = (await api(other, "/transactions?chargePointId=CP-201")).body.items[0].transactionId;
      const closed201 = await api(other, `/transactions/${id}/close`, {
        method: "POST",
        body: { timestamp: minutesAgo(60), meterStop: 12_000, reason: "session hung" },
      });
      assertEquals(closed201.status, 200, JSON.stringify(closed201.body));
      cp201.handle("RequestStartTransaction", () => ({ status: "Accepted" }));
      // A remote start is refused for a card this server would not accept: CARD-7 is known.
      assertEquals((await api(other, "/id-tags", { method: "POST", body: { idTag: "CARD-7" } })).status, 201);
      const remoteStart = await api(holder, "/charge-points/CP-201/RequestStartTransaction", {
        method: "POST",
        body: { idToken: { idToken: "CARD-7", type: "ISO14443" }, evseId: 1 },
      });
      assertEquals(
        [remoteStart.status, remoteStart.body.status],
        [200, "Accepted"],
        JSON.stringify(remoteStart.body),
      );
      await cp201.call("StatusNotification", {
        timestamp: minutesAgo(0),
        connectorStatus: "Occupied",
        evseId: 1,
        connectorId: 1,
      });
      for (const server of [holder, other]) {
        const evse = (await api(server, "/charge-points/CP-201")).body.evses[0];
        assertEquals([evse.evseId, evse.transactionId], [1, undefined]);
      }
    } finally {
      for (const station of stations) await closeStation(station);
      await other.kill();
      await holder.kill();
      await db.drop();
    }
  },
});
