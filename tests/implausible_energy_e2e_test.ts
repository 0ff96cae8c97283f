/**
 * A station whose meter reports impossible readings: its transactions still start and stop (a station refused
 * its stop would retry it for ever) and keep the readings as sent, but their energy is unknown, they are
 * flagged for an operator, and the overview's energy today leaves them out. A strict ocpp-rpc 1.6 station and
 * a raw 2.0.1 one, the API over HTTP, on KV and PostgreSQL.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation, connectStation, openRaw, rawAnswer } from "./helpers/station.ts";
import { startApiServer } from "./helpers/api.ts";
import { emptyRecord } from "../model/charge_point.ts";
import { kvFleetStore } from "../store/kv/fleet.ts";
import { KvStore, openKvStore, openKvStoreHandle } from "../store/kv/mod.ts";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
/** Seconds ago: a session counted in energy today must start today, whenever the test runs. */
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

type Server = Parameters<Parameters<typeof withApiServer>[1]>[0];

async function flagOf(server: Server, transactionId: number) {
  const flags = await server.json(`/api/v1/transaction-flags?transactionId=${transactionId}`, {
    as: "viewer",
  });
  return flags.body.items.find((f: { kind: string }) => f.kind === "implausible_energy") ?? null;
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: an implausible flag tells of the readings the transaction has now: the station's stop replaces or clears it`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation(server.wsUrl, "CP-TYPO");
      try {
        const kinds = async (id: number) =>
          (await server.json(`/api/v1/transaction-flags?transactionId=${id}`, { as: "viewer" })).body.items
            .map((f: { kind: string }) => f.kind).sort();
        // An operator closes a session by hand with a typo in the meter value (90 MWh in two minutes).
        const closedWithTypo = async (connectorId: number) => {
          const { transactionId } = await station.call("StartTransaction", {
            connectorId,
            idTag: "TAG-T",
            meterStart: 1_000,
            timestamp: secondsAgo(120),
          }) as { transactionId: number };
          const closed = await server.json(`/api/v1/transactions/${transactionId}/close`, {
            method: "POST",
            body: { timestamp: secondsAgo(60), meterStop: 90_001_000, reason: "stuck" },
          });
          assertEquals(closed.status, 200);
          const flag = await flagOf(server, transactionId);
          assertEquals([flag?.details.reason, flag?.details.meterStop], ["above_max_power", 90_001_000]);
          return transactionId;
        };
        const stop = (transactionId: number, meterStop: number) =>
          station.call("StopTransaction", { transactionId, meterStop, timestamp: secondsAgo(0) });

        // The station's own stop is below the start (a meter replaced): the flag now says so.
        const replaced = await closedWithTypo(1);
        assertEquals(await stop(replaced, 900), {});
        assertEquals((await flagOf(server, replaced))?.details, {
          reason: "meter_backwards",
          meterStart: 1_000,
          meterStop: 900,
        });
        // The station's own stop is plausible: the implausible flag goes, the operator's close stays.
        const corrected = await closedWithTypo(2);
        assertEquals(await stop(corrected, 21_000), {});
        assertEquals(await kinds(corrected), ["closed_by_operator"]);
        const tx = (await server.json(`/api/v1/transactions/${corrected}`, { as: "viewer" })).body;
        assertEquals([tx.energyWh, tx.energyImplausible], [20_000, undefined]);
        const listed = await server.json("/api/v1/transaction-flags?kind=implausible_energy", {
          as: "viewer",
        });
        assertEquals(listed.body.items.map((f: { transactionId: number }) => f.transactionId), [replaced]);
        const overview = await server.json("/api/v1/overview", { as: "viewer" });
        assertEquals(overview.body.kpis.energyTodayWh, 20_000);
      } finally {
        await closeStation(station);
      }
    });
  });

  Deno.test(`${kind}: a 1.6 meter's impossible readings are stored and flagged, and count for nothing in energy today`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation(server.wsUrl, "CP-BADMETER");
      try {
        const session = async (
          connectorId: number,
          meterStart: number,
          meterStop: number,
          seconds: number,
        ) => {
          const { transactionId } = await station.call("StartTransaction", {
            connectorId,
            idTag: "TAG-M",
            meterStart,
            timestamp: secondsAgo(seconds),
          }) as { transactionId: number };
          assertEquals(
            await station.call("StopTransaction", { transactionId, meterStop, timestamp: secondsAgo(0) }),
            {},
          );
          return transactionId;
        };
        const good = await session(1, 10_000, 22_000, 60);
        const negative = await session(1, -5e15, 5e15, 30);
        // 1 GWh in 20 seconds: no connector delivers that (nor 5 MW in the hour's allowance).
        const tooMuch = await session(2, 1_000, 1_000_001_000, 20);
        const backwards = await session(2, 9_000, 4_000, 10);

        const tx = async (id: number) =>
          (await server.json(`/api/v1/transactions/${id}`, { as: "viewer" })).body;
        const okTx = await tx(good);
        assertEquals([okTx.energyWh, okTx.energyImplausible], [12_000, undefined]);
        assertEquals(await flagOf(server, good), null);

        const neg = await tx(negative);
        assertEquals(
          [neg.status, neg.meterStart, neg.meterStop, neg.energyWh, neg.energyImplausible],
          ["finished", -5e15, 5e15, null, { reason: "negative_reading" }],
        );
        const over = await tx(tooMuch);
        assertEquals([over.meterStop, over.energyWh, over.energyImplausible?.reason], [
          1_000_001_000,
          null,
          "above_max_power",
        ]);
        assertEquals((await tx(backwards)).energyImplausible, { reason: "meter_backwards" });

        const flag = await flagOf(server, negative);
        assertEquals([flag?.chargePointId, flag?.details], ["CP-BADMETER", {
          reason: "negative_reading",
          meterStart: -5e15,
          meterStop: 5e15,
        }]);
        assertEquals((await flagOf(server, tooMuch))?.details.reason, "above_max_power");
        const listed = await server.json("/api/v1/transaction-flags?kind=implausible_energy", {
          as: "viewer",
        });
        assertEquals(
          listed.body.items.map((f: { transactionId: number }) => f.transactionId).sort((
            a: number,
            b: number,
          ) => a - b),
          [negative, tooMuch, backwards],
        );

        const overview = await server.json("/api/v1/overview", { as: "viewer" });
        assertEquals(overview.body.kpis.energyTodayWh, 12_000);

        // The export keeps the readings as sent, with no energy and the reason.
        const csv = await (await server.api("/api/v1/transactions/export.csv?chargePointId=CP-BADMETER", {
          as: "viewer",
        })).text();
        const rows = csv.trimEnd().split("\r\n");
        assert(rows[0]?.endsWith(",energyImplausible"), rows[0]);
        const negativeRow = rows.find((r) => r.startsWith(`${negative},`)) ?? "";
        assertStringIncludes(negativeRow, ",-5000000000000000,");
        assertStringIncludes(negativeRow, ",5000000000000000,,");
        assert(negativeRow.endsWith(",negative_reading"), negativeRow);
        assert(rows.find((r) => r.startsWith(`${good},`))?.endsWith(","));
      } finally {
        await closeStation(station);
      }
    });
  });

  Deno.test(`${kind}: running 1.6 sessions with a negative start or a leaping register add nothing to energy today`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation(server.wsUrl, "CP-BADRUN");
      try {
        const { transactionId } = await station.call("StartTransaction", {
          connectorId: 1,
          idTag: "TAG-R",
          meterStart: -5e15,
          timestamp: ago(10),
        }) as { transactionId: number };
        await station.call("MeterValues", {
          connectorId: 1,
          transactionId,
          meterValue: [{
            timestamp: ago(5),
            sampledValue: [{ value: "5000", measurand: "Energy.Active.Import.Register", unit: "Wh" }],
          }],
        });
        // A register that leaps by a TWh in 10 minutes.
        const { transactionId: leap } = await station.call("StartTransaction", {
          connectorId: 2,
          idTag: "TAG-R",
          meterStart: 1_000,
          timestamp: ago(10),
        }) as { transactionId: number };
        await station.call("MeterValues", {
          connectorId: 2,
          transactionId: leap,
          meterValue: [{
            timestamp: ago(5),
            sampledValue: [{
              value: "1000000001000",
              measurand: "Energy.Active.Import.Register",
              unit: "Wh",
            }],
          }],
        });
        const running = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
        assertEquals([running.body.status, running.body.meterStart, running.body.energyImplausible], [
          "active",
          -5e15,
          { reason: "negative_reading" },
        ]);
        const energy = await server.json(`/api/v1/transactions/energy?ids=${transactionId},${leap}`, {
          as: "viewer",
        });
        assertEquals(energy.body.items.map((i: { energyWh: number }) => i.energyWh), [0, 0]);
        const overview = await server.json("/api/v1/overview", { as: "viewer" });
        assertEquals(overview.body.kpis.energyTodayWh, 0);
      } finally {
        await closeStation(station);
      }
    });
  });

  Deno.test(`${kind}: a 2.0.1 transaction with a negative register reading is stored, flagged and left out of energy today`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-BADMETER-201`, ["ocpp2.0.1"]);
      const event = (eventType: string, seqNo: number, value: number) => ({
        eventType,
        timestamp: ago(30 - seqNo),
        triggerReason: eventType === "Ended" ? "StopAuthorized" : "Authorized",
        seqNo,
        transactionInfo: { transactionId: "TX-NEG" },
        evse: { id: 1, connectorId: 1 },
        meterValue: [{
          timestamp: ago(30 - seqNo),
          sampledValue: [{ value, measurand: "Energy.Active.Import.Register" }],
        }],
      });
      try {
        await rawAnswer(socket, "BootNotification", {
          chargingStation: { model: "X", vendorName: "Acme" },
          reason: "PowerUp",
        });
        await rawAnswer(socket, "TransactionEvent", event("Started", 0, -5e15));
        await rawAnswer(socket, "TransactionEvent", event("Ended", 1, 5e15));
        const list = await server.json("/api/v1/transactions?chargePointId=CP-BADMETER-201", {
          as: "viewer",
        });
        const tx = list.body.items[0];
        assertEquals(
          [tx.status, tx.meterStart, tx.meterStop, tx.energyWh, tx.energyImplausible],
          ["finished", -5e15, 5e15, null, { reason: "negative_reading" }],
        );
        assertEquals((await flagOf(server, tx.transactionId))?.details.reason, "negative_reading");
        const overview = await server.json("/api/v1/overview", { as: "viewer" });
        assertEquals(overview.body.kpis.energyTodayWh, 0);
      } finally {
        socket.close();
      }
    });
  });
}

Deno.test("kv: a transaction stored before the plausibility check counts for nothing in the API's energy, list and export", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const before = await openKvStore(path);
    await before.putChargePoint(emptyRecord("CP-OLD", new Date()));
    const session = async (connectorId: number, meterStop: number) => {
      const start = {
        chargePointId: "CP-OLD",
        connectorId,
        idTag: "TAG-O",
        idTagStatus: "Accepted" as const,
      };
      const { transaction } = await before.startTransaction({
        ...start,
        meterStart: 1_000,
        timestamp: secondsAgo(60),
        reservationId: null,
        receivedAt: secondsAgo(60),
      });
      const stopped = await before.stopTransaction({
        chargePointId: "CP-OLD",
        transactionId: transaction.transactionId,
        idTag: "TAG-O",
        idTagStatus: "Accepted",
        meterStop,
        timestamp: secondsAgo(1),
        reason: "Local",
        transactionData: null,
        receivedAt: secondsAgo(1),
      });
      return stopped.transaction!;
    };
    const old = await session(1, 4_000);
    await session(2, 13_000);
    await before.close();
    // As a binary before the check stored it: a leaping register's difference as its energy, no reason.
    const raw = await openKvStoreHandle(path);
    await raw.set(["tx", old.transactionId], { ...old, meterStop: 1_000_001_000, energyWh: 1_000_000_000 });
    raw.close();

    const kv = await openKvStoreHandle(path);
    const store = new KvStore(kv);
    const server = await startApiServer({}, { store, fleet: kvFleetStore(kv) });
    try {
      const one = await server.json(`/api/v1/transactions/${old.transactionId}`, { as: "viewer" });
      assertEquals([one.body.meterStop, one.body.energyWh, one.body.energyImplausible?.reason], [
        1_000_001_000,
        null,
        "above_max_power",
      ]);
      const list = await server.json("/api/v1/transactions?chargePointId=CP-OLD", { as: "viewer" });
      assertEquals(list.body.items.map((t: { energyWh: number | null }) => t.energyWh), [12_000, null]);
      const energy = await server.json(`/api/v1/transactions/energy?ids=${old.transactionId}`, {
        as: "viewer",
      });
      assertEquals(energy.body.items.map((i: { energyWh: number }) => i.energyWh), [0]);
      const overview = await server.json("/api/v1/overview", { as: "viewer" });
      assertEquals(overview.body.kpis.energyTodayWh, 12_000);
      const csv = await (await server.api("/api/v1/transactions/export.csv?chargePointId=CP-OLD", {
        as: "viewer",
      })).text();
      const row = csv.trimEnd().split("\r\n").find((r) => r.startsWith(`${old.transactionId},`)) ?? "";
      assertStringIncludes(row, ",1000001000,,");
      assert(row.endsWith(",above_max_power"), row);
    } finally {
      await server.close();
      await store.close();
    }
  } finally {
    await Deno.remove(path);
  }
});
