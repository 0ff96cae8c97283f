/**
 * A group commit slower than the store's 10 s bound: the stations' rows (and a running transaction's) are
 * locked by another connection (a long migration, an operator's transaction), so the commit waits inside its
 * transaction, its stations hear InternalError at the bound, and the commit goes on and commits once the lock
 * goes. The stations send their CALLs again meanwhile (OCPP 1.6 §4.10: same data). Every retry must be
 * answered once the lock goes, with the same transactionId, and each start, meter value, stop and status
 * report stored exactly once (an attempt that outlasted the bound and commits once the lock goes would store
 * a status report's copy: left out by `status_history_report`, migration 054; here the first attempt mostly
 * fails at the group commit's lock_timeout instead, so tests/status_history_retry_e2e_test.ts is the test
 * that proves that rule).
 */
import { openPostgresPool } from "../postgres_pool.ts";
import { assertEquals } from "@std/assert";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { RetryingStation } from "./helpers/retrying_station.ts";

const noPostgres = await ignoreWithoutPostgres("PostgreSQL slow-commit retry test");

const T0 = Date.parse("2026-11-29T08:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

Deno.test({
  name:
    "PostgreSQL: CALLs whose commit outlasts the bound are answered InternalError, and their retries are stored once",
  ignore: noPostgres,
  fn: async () => {
    const db = await migratedDatabase("faults42_slow");
    const observer = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    const server = await spawnServer({ DATABASE_URL: db.url, CLUSTER: "off", STATION_MSG_RATE: "0" });
    const ids = ["CP-SLOW-START", "CP-SLOW-METER", "CP-SLOW-STOP", "CP-SLOW-STATUS"];
    const stations: RetryingStation[] = [];
    let releaseLock = () => {};
    try {
      for (const id of ids) stations.push(await RetryingStation.open(server.wsUrl, id));
      const [starter, meter, stopper, status] = stations as [
        RetryingStation,
        RetryingStation,
        RetryingStation,
        RetryingStation,
      ];
      const running = async (s: RetryingStation) =>
        (await s.call("StartTransaction", { connectorId: 1, idTag: "SLOW", meterStart: 0, timestamp: at(0) }))
          .transactionId as number;
      const meterTx = await running(meter);
      const stopTx = await running(stopper);

      const locked = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      releaseLock = release.resolve;
      const holding = observer.begin(async (tx) => {
        await tx`select id from charge_points where id = any(${ids}) for update`;
        // A meter value takes no lock of its station's row (meter groups have no key to it since migration
        // 057); its transaction's row it does (the key to transactions).
        await tx`select transaction_id from transactions where transaction_id = ${meterTx} for update`;
        locked.resolve();
        await release.promise;
      });
      await locked.promise;
      const calls = Promise.all([
        starter.call("StartTransaction", {
          connectorId: 1,
          idTag: "SLOW",
          meterStart: 500,
          timestamp: at(60),
        }),
        meter.call("MeterValues", {
          connectorId: 1,
          transactionId: meterTx,
          meterValue: [{ timestamp: at(120), sampledValue: [{ value: "700" }] }],
        }),
        stopper.call("StopTransaction", { transactionId: stopTx, meterStop: 900, timestamp: at(180) }),
        status.call("StatusNotification", {
          connectorId: 1,
          status: "Faulted",
          errorCode: "GroundFailure",
          timestamp: at(240),
        }),
      ]);
      // Each station hears InternalError at the bound and sends its CALL again; then the lock goes.
      // (Two group commits wait at a time: a station's commit queued behind them waits for a slot first.)
      for (let i = 0; i < 400 && stations.some((s) => s.internalErrors === 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assertEquals(
        stations.filter((s) => s.internalErrors === 0).map((s) => s.id),
        [],
        "commits outlasted the bound",
      );
      await new Promise((r) => setTimeout(r, 500));
      release.resolve();
      await holding;
      const [started] = await calls;

      const store = await openPostgresStore(db.url);
      try {
        const starts = await store.listTransactions({ chargePointId: starter.id, limit: 10 });
        assertEquals(starts.map((t) => [t.transactionId, t.meterStart]), [[started.transactionId, 500]]);
        const values = await store.listMeterValuesByTransaction(meterTx);
        assertEquals(values.map((v) => v.value), ["700"]);
        const stopped = await store.getTransaction(stopTx);
        assertEquals([stopped?.status, stopped?.meterStop, stopped?.energyWh], ["finished", 900, 900]);
        assertEquals(await store.listOrphanStops({ limit: 10 }), []);
        const statuses = await store.listStatusHistory(status.id, 10);
        assertEquals(statuses.map((s) => [s.status, s.timestamp]), [["Faulted", at(240)]]);
        assertEquals(status.internalErrors > 0, true, "the StatusNotification was sent again");
      } finally {
        await store.close();
      }
    } finally {
      releaseLock();
      await Promise.all(stations.map((s) => s.raw.close()));
      await server.kill("SIGTERM");
      await observer.end();
      await db.drop();
    }
  },
});
