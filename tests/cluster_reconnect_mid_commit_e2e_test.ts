/**
 * Two processes share PostgreSQL. A station's CALL waits in a group commit on the first process (the
 * station's row locked by the test, so the commit waits inside its transaction); the station gives up on
 * that connection, connects to the second process and sends the same CALL again (same id, same data). Once
 * the lock goes, both commits end: the station must be answered on the second process as the first would
 * have answered it (the same transactionId), and the store must hold the start, each meter value and the stop
 * once.
 */
import { openPostgresPool } from "../postgres_pool.ts";
import { assertEquals, assertGreater } from "@std/assert";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { openRaw, type RawSocket } from "./helpers/station.ts";

const noPostgres = await ignoreWithoutPostgres("PostgreSQL reconnect-mid-commit test");

const ID = "CP-MOVE";
const T0 = Date.parse("2026-11-28T08:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

Deno.test({
  name:
    "PostgreSQL cluster: a CALL replayed on a second process while the first still commits it is stored once and answered alike",
  ignore: noPostgres,
  fn: async () => {
    const db = await migratedDatabase("faults42_move");
    const observer = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    const env = { DATABASE_URL: db.url, STATION_MSG_RATE: "0" };
    const one = await spawnServer(env);
    const two = await spawnServer(env);
    const sockets: RawSocket[] = [];
    let releaseLock = () => {};
    const open = async (url: string) => {
      const s = await openRaw(`${url}/${ID}`);
      sockets.push(s);
      return s;
    };
    const call = async (s: RawSocket, id: string, action: string, payload: unknown) => {
      s.send(JSON.stringify([2, id, action, payload]));
      return await s.next(20_000) as unknown[];
    };
    /** Sends `action` on process one with the row locked, then again on process two; both answers. */
    const replayedElsewhere = async (id: string, action: string, payload: unknown) => {
      const first = await open(one.wsUrl);
      const locked = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      releaseLock = release.resolve;
      const holding = observer.begin(async (tx) => {
        await tx`select id from charge_points where id = ${ID} for update`;
        locked.resolve();
        await release.promise;
      });
      await locked.promise;
      first.send(JSON.stringify([2, id, action, payload]));
      // Process one answers on the old socket, or closes it (4000) once it hears of the newer connection.
      const firstAnswer = Promise.race([
        first.next(10_000).catch(() => null) as Promise<unknown[] | null>,
        first.closed.then(() => null),
      ]);
      // The commit holding the CALL, maybe with the write of this connection's opening.
      let waiting = 0;
      for (let i = 0; i < 300 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        const [row] = await observer<{ waiting: number }[]>`
          select count(*)::int as waiting from pg_stat_activity
          where datname = current_database() and application_name = 'ocpp-csms' and wait_event_type = 'Lock'
        `;
        waiting = row?.waiting ?? 0;
      }
      assertGreater(waiting, 0, `${action}: process one's commit waits on the row`);
      const second = await open(two.wsUrl);
      const secondAnswer = call(second, id, action, payload);
      await new Promise((r) => setTimeout(r, 300));
      release.resolve();
      await holding;
      return { second: await secondAnswer, first: await firstAnswer };
    };
    try {
      const boot = await open(one.wsUrl);
      const booted = await call(boot, "b", "BootNotification", {
        chargePointVendor: "Acme",
        chargePointModel: "X",
      });
      assertEquals((booted[2] as { status: string }).status, "Accepted");

      const start = { connectorId: 1, idTag: "MOVE", meterStart: 1000, timestamp: at(0) };
      const started = await replayedElsewhere("s1", "StartTransaction", start);
      assertEquals(started.second[0], 3, JSON.stringify(started.second));
      const transactionId = (started.second[2] as { transactionId: number }).transactionId;
      if (started.first?.[0] === 3) {
        assertEquals((started.first[2] as { transactionId: number }).transactionId, transactionId);
      }

      const readings = {
        connectorId: 1,
        transactionId,
        meterValue: [{ timestamp: at(60), sampledValue: [{ value: "1500" }] }],
      };
      const metered = await replayedElsewhere("m1", "MeterValues", readings);
      assertEquals(metered.second[0], 3, JSON.stringify(metered.second));

      const stop = { transactionId, meterStop: 2000, timestamp: at(120) };
      const stopped = await replayedElsewhere("t1", "StopTransaction", stop);
      assertEquals(stopped.second[0], 3, JSON.stringify(stopped.second));
    } finally {
      releaseLock();
      await Promise.all(sockets.map((s) => s.close()));
      await one.kill("SIGTERM");
      await two.kill("SIGTERM");
      await observer.end();
    }
    const store = await openPostgresStore(db.url);
    try {
      const txs = await store.listTransactions({ chargePointId: ID, limit: 10 });
      assertEquals(
        txs.map((t) => [t.status, t.meterStart, t.meterStop, t.energyWh]),
        [["finished", 1000, 2000, 1000]],
      );
      const values = await store.listMeterValuesByTransaction(txs[0]!.transactionId);
      assertEquals(values.map((v) => v.value), ["1500"]);
    } finally {
      await store.close();
      await db.drop();
    }
  },
});
