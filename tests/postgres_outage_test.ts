/**
 * PostgresStore through a real database outage: a throwaway cluster (initdb + pg_ctl, on its own port and data
 * folder, as the `postgres` user when we run as root) is stopped with `-m immediate` under a working store and
 * started again. Calls during the outage must reject with StoreUnavailableError within a bounded time, nothing
 * rejected may have been stored, and the same store instance must work again once the server is back.
 *
 * With `CI=true` this test always runs; elsewhere it is ignored, with a one-line reason, when the PostgreSQL
 * server binaries are missing. `PG_BIN` overrides their folder (default /usr/lib/postgresql/15/bin).
 */
import { assertEquals, assertLess, assertRejects } from "@std/assert";
import { openPostgresStore } from "../store/postgres/mod.ts";
import type { ChargePointRecord } from "../model/charge_point.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { StoreUnavailableError } from "../store/mod.ts";
import { missingBinaries, ThrowawayCluster } from "./helpers/pg_cluster.ts";

const IN_CI = Deno.env.get("CI") === "true";
/** A call during the outage must fail within this (the store's connect timeout is 2 s here). */
const OUTAGE_BOUND_MS = 5_000;

const missing = IN_CI ? null : missingBinaries();
if (missing !== null) console.log(`PostgreSQL outage test ignored: ${missing}`);

const T = "2024-05-01T10:00:00.000Z";

function chargePoint(id: string): ChargePointRecord {
  return {
    id,
    registrationStatus: "Accepted",
    boot: { chargePointVendor: "Acme", chargePointModel: "Volt-22" },
    bootedAt: T,
    connectors: [],
    lastSeen: T,
    firmwareStatus: null,
    diagnosticsStatus: null,
    configuration: null,
    createdAt: T,
    updatedAt: T,
  };
}

function meterRow(chargePointId: string, value: string): MeterValueRow {
  return {
    chargePointId,
    connectorId: 1,
    transactionId: null,
    timestamp: T,
    value,
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt: T,
  };
}

Deno.test({
  name: "PostgresStore rejects with StoreUnavailableError during an outage and works again without reopening",
  ignore: missing !== null,
  fn: async () => {
    const cluster = await ThrowawayCluster.create();
    try {
      const store = await openPostgresStore(cluster.url, {
        connectTimeoutSeconds: 2,
        operationTimeoutMs: 4_000,
      });
      try {
        await store.putChargePoint(chargePoint("CP-1"));
        await store.touchChargePoint("CP-1", "2024-05-01T10:01:00.000Z");
        assertEquals(await store.addMeterValues([meterRow("CP-1", "100")]), 1);

        await cluster.stopImmediately();

        const during: [string, () => Promise<unknown>][] = [
          ["getChargePoint", () => store.getChargePoint("CP-1")],
          ["putChargePoint", () => store.putChargePoint(chargePoint("CP-LOST"))],
          ["touchChargePoint", () => store.touchChargePoint("CP-1", "2024-05-01T10:02:00.000Z")],
          ["addMeterValues", () => store.addMeterValues([meterRow("CP-1", "200")])],
          ["startTransaction", () =>
            store.startTransaction({
              chargePointId: "CP-1",
              connectorId: 1,
              idTag: "TAG",
              idTagStatus: "Accepted",
              meterStart: 0,
              timestamp: T,
              reservationId: null,
              receivedAt: T,
            })],
          ["listTransactions", () => store.listTransactions({ limit: 10 })],
        ];
        for (const [what, call] of during) {
          const started = performance.now();
          await assertRejects(call, StoreUnavailableError, undefined);
          const took = performance.now() - started;
          assertLess(took, OUTAGE_BOUND_MS, `${what} took ${Math.round(took)} ms to fail`);
        }

        await cluster.start();

        // The same store instance: postgres.js reconnects on the next query.
        assertEquals((await store.getChargePoint("CP-1"))?.lastSeen, "2024-05-01T10:01:00.000Z");
        // Nothing that was rejected was stored.
        assertEquals(await store.getChargePoint("CP-LOST"), null);
        assertEquals(await store.listTransactions({ limit: 10 }), []);
        assertEquals((await store.listMeterValuesByChargePoint("CP-1", 10)).map((r) => r.value), ["100"]);
        // And every kind of write works again.
        assertEquals(await store.addMeterValues([meterRow("CP-1", "200")]), 1);
        await store.touchChargePoint("CP-1", "2024-05-01T10:03:00.000Z");
        assertEquals((await store.getChargePoint("CP-1"))?.lastSeen, "2024-05-01T10:03:00.000Z");
        const tx = await store.startTransaction({
          chargePointId: "CP-1",
          connectorId: 1,
          idTag: "TAG",
          idTagStatus: "Accepted",
          meterStart: 0,
          timestamp: T,
          reservationId: null,
          receivedAt: T,
        });
        assertEquals(tx.replayed, false);
      } finally {
        await store.close();
      }
    } finally {
      await cluster.destroy();
    }
  },
});
