/**
 * The server on PostgreSQL, driven by stations: the ledger on the production store, and a real outage (a
 * throwaway cluster stopped and started under the running server).
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { missingBinaries, ThrowawayCluster } from "./helpers/pg_cluster.ts";
import { ignoreWithoutPostgres, IN_CI, migratedDatabase } from "./helpers/postgres.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { startTestServer } from "./helpers/server.ts";

const T0 = Date.parse("2026-11-25T08:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const noServer = await ignoreWithoutPostgres("PostgreSQL end-to-end tests");
const noBinaries = IN_CI ? null : missingBinaries();
if (noBinaries) console.log(`PostgreSQL outage end-to-end test ignored: ${noBinaries}`);

Deno.test({
  name: "on PostgreSQL a session, its replays and its meter values are stored once, across a restart",
  ignore: noServer,
  fn: async () => {
    const db = await migratedDatabase("csms_e2e");
    try {
      const start = { connectorId: 1, idTag: "TAG", meterStart: 100, timestamp: at(0) };
      let txId: number;
      {
        const store = await openPostgresStore(db.url);
        const server = await startTestServer({}, { store });
        const station = await connectStation(server.wsUrl, "CP-PG");
        await station.call("StatusNotification", {
          connectorId: 1,
          status: "Preparing",
          errorCode: "NoError",
        });
        txId = (await station.call("StartTransaction", start)).transactionId;
        assertEquals((await station.call("StartTransaction", start)).transactionId, txId);
        const meterValue = Array.from({ length: 10 }, (_, i) => ({
          timestamp: at(i + 1),
          sampledValue: [{ value: `${100 + i * 10}` }, {
            value: "11000",
            measurand: "Power.Active.Import",
            unit: "W",
          }],
        }));
        await Promise.all([
          station.call("MeterValues", { connectorId: 1, transactionId: txId, meterValue }),
          station.call("MeterValues", { connectorId: 1, transactionId: txId, meterValue }),
        ]);
        await closeStation(station);
        await server.close();
        await store.close();
      }
      const store = await openPostgresStore(db.url);
      const server = await startTestServer({}, { store });
      try {
        const station = await connectStation(server.wsUrl, "CP-PG", { boot: false });
        assertEquals((await station.call("StartTransaction", start)).transactionId, txId);
        const stop = { transactionId: txId, meterStop: 400, timestamp: at(20), reason: "Local" };
        await station.call("StopTransaction", stop);
        await station.call("StopTransaction", { ...stop, meterStop: 999 });
        await station.call("StopTransaction", { transactionId: -1, meterStop: 5, timestamp: at(21) });
        const tx = await store.getTransaction(txId);
        assertEquals([tx?.status, tx?.energyWh], ["finished", 300]);
        assertEquals((await store.listMeterValuesByTransaction(txId)).length, 20);
        // The -1 stop, and the second stop that differs from the first (kept for review, not applied).
        const orphans = await store.listOrphanStops({ limit: 5, chargePointId: "CP-PG" });
        assertEquals(orphans.map((o) => o.meterStop).sort(), [5, 999]);
        assertEquals((await store.getChargePoint("CP-PG"))?.connectors[0]?.status, "Preparing");
        await closeStation(station);
      } finally {
        await server.close();
        await store.close();
      }
    } finally {
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "while PostgreSQL is down stations get InternalError and nothing is acknowledged; it recovers by itself",
  ignore: noBinaries !== null,
  fn: async () => {
    const cluster = await ThrowawayCluster.create();
    try {
      const store = await openPostgresStore(cluster.url, {
        connectTimeoutSeconds: 2,
        operationTimeoutMs: 4_000,
      });
      const server = await startTestServer({}, { store });
      const station = await connectStation(server.wsUrl, "CP-OUTAGE");
      try {
        await cluster.stopImmediately();
        const start = { connectorId: 1, idTag: "TAG", meterStart: 0, timestamp: at(0) };
        for (
          const [action, payload] of [
            ["StartTransaction", start],
            ["MeterValues", {
              connectorId: 1,
              meterValue: [{ timestamp: at(1), sampledValue: [{ value: "1" }] }],
            }],
            ["Heartbeat", {}],
          ] as const
        ) {
          const error = await station.call(action, payload).then(
            () => null,
            (e: { rpcErrorCode?: string }) => e,
          );
          assertEquals(error?.rpcErrorCode, "InternalError", `${action} during the outage`);
        }
        // Other CALLs on the same socket keep being answered: the actor survived.
        await cluster.start();
        const retried = await station.call("StartTransaction", start);
        assert(retried.transactionId > 0);
        assertEquals((await station.call("StartTransaction", start)).transactionId, retried.transactionId);
        assertEquals((await store.listTransactions({ chargePointId: "CP-OUTAGE", limit: 10 })).length, 1);
        assertEquals((await store.listMeterValuesByChargePoint("CP-OUTAGE", 10)).length, 0);
      } finally {
        await closeStation(station);
        await server.close();
        await store.close();
      }
    } finally {
      await cluster.destroy();
    }
  },
});
