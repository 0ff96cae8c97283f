/**
 * The ledger as real chargers stress it: full sessions, replays, orphan and superseded transactions, late meter
 * values. Every message is answered and every record kept exactly once.
 */
import { assert, assertEquals } from "@std/assert";
import { openKvStore } from "../store/kv/mod.ts";
import type { Store } from "../store/mod.ts";
import { closeStation, connectStation, openRaw } from "./helpers/station.ts";
import { startTestServer } from "./helpers/server.ts";

const T0 = Date.parse("2026-11-25T08:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

async function seedTags(store: Store) {
  await store.putIdTag({ idTag: "GOOD", status: "Accepted", expiryDate: null, parentIdTag: "FLEET" });
  await store.putIdTag({ idTag: "BLOCKED", status: "Blocked", expiryDate: null, parentIdTag: null });
  await store.putIdTag({
    idTag: "OLD",
    status: "Accepted",
    expiryDate: "2020-01-01T00:00:00.000Z",
    parentIdTag: null,
  });
}

Deno.test("a full charging session is stored exactly as the station reported it", async () => {
  const server = await startTestServer();
  await seedTags(server.store);
  const station = await connectStation(server.wsUrl, "CP-SESSION");
  try {
    assertEquals(await station.call("Authorize", { idTag: "GOOD" }), {
      idTagInfo: { status: "Accepted", parentIdTag: "FLEET" },
    });
    await station.call("StatusNotification", { connectorId: 1, status: "Preparing", errorCode: "NoError" });
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "GOOD",
      meterStart: 1000,
      timestamp: at(0),
    });
    assert(Number.isInteger(start.transactionId) && start.transactionId > 0);
    assertEquals(start.idTagInfo.status, "Accepted");
    const txId: number = start.transactionId;
    await station.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
    const expected: Array<[string, string, string | null, string]> = [];
    for (let i = 1; i <= 20; i++) {
      const sampledValue = [
        { value: String(1000 + i * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" },
        { value: String(7000 + i), measurand: "Power.Active.Import", unit: "W" },
        ...["L1", "L2", "L3"].map((phase) => ({
          value: `${16 + i / 10}`,
          measurand: "Current.Import",
          phase,
          unit: "A",
        })),
        { value: `${20 + i}`, measurand: "SoC", unit: "Percent", location: "EV" },
      ];
      for (const s of sampledValue) {
        expected.push([at(i), s.measurand, "phase" in s ? s.phase : null, s.value]);
      }
      await station.call("MeterValues", {
        connectorId: 1,
        transactionId: txId,
        meterValue: [{ timestamp: at(i), sampledValue }],
      });
    }
    const stop = await station.call("StopTransaction", {
      transactionId: txId,
      idTag: "GOOD",
      meterStop: 3100,
      timestamp: at(21),
      reason: "EVDisconnected",
      transactionData: [
        { timestamp: at(0), sampledValue: [{ value: "1000", context: "Transaction.Begin" }] },
        { timestamp: at(21), sampledValue: [{ value: "3100", context: "Transaction.End" }] },
      ],
    });
    assertEquals(stop, { idTagInfo: { status: "Accepted", parentIdTag: "FLEET" } });
    await station.call("StatusNotification", { connectorId: 1, status: "Finishing", errorCode: "NoError" });
    await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });

    const tx = await server.store.getTransaction(txId);
    assertEquals(tx, {
      transactionId: txId,
      chargePointId: "CP-SESSION",
      connectorId: 1,
      idTag: "GOOD",
      startIdTagStatus: "Accepted",
      meterStart: 1000,
      startTimestamp: at(0),
      reservationId: null,
      status: "finished",
      supersededBy: null,
      meterStop: 3100,
      stopTimestamp: at(21),
      stopReason: "EVDisconnected",
      stopIdTag: "GOOD",
      energyWh: 2100,
      createdAt: tx?.createdAt ?? "",
      stoppedAt: tx?.stoppedAt ?? "",
    });
    const rows = await server.store.listMeterValuesByTransaction(txId);
    assertEquals(rows.length, 20 * 6 + 2);
    const periodic = rows.filter((r) => r.context === "Sample.Periodic");
    assertEquals(
      periodic.map((r) => [r.timestamp, r.measurand, r.phase, r.value]).sort(),
      expected.sort(),
    );
    const soc = rows.find((r) => r.measurand === "SoC");
    assertEquals([soc?.unit, soc?.location, soc?.format], ["Percent", "EV", "Raw"]);
    const begin = rows.find((r) => r.context === "Transaction.Begin");
    assertEquals([begin?.measurand, begin?.unit, begin?.location, begin?.value, begin?.timestamp], [
      "Energy.Active.Import.Register",
      "Wh",
      "Outlet",
      "1000",
      at(0),
    ]);
    const record = await server.store.getChargePoint("CP-SESSION");
    assertEquals(record?.connectors[0]?.status, "Available");
    assertEquals(record?.connectors[0]?.transactionId, undefined);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("Authorize answers Invalid, Blocked, Expired, and ConcurrentTx for single-use tags", async () => {
  const server = await startTestServer({ SINGLE_USE_ID_TAGS: "true" });
  await seedTags(server.store);
  const a = await connectStation(server.wsUrl, "CP-AUTH-A");
  const b = await connectStation(server.wsUrl, "CP-AUTH-B");
  try {
    const status = async (idTag: string, station = a) =>
      (await station.call("Authorize", { idTag })).idTagInfo.status;
    assertEquals(await status("NOBODY"), "Invalid");
    assertEquals(await status("BLOCKED"), "Blocked");
    assertEquals(await status("OLD"), "Expired");
    assertEquals(await status("GOOD"), "Accepted");
    const start = await a.call("StartTransaction", {
      connectorId: 1,
      idTag: "GOOD",
      meterStart: 0,
      timestamp: at(0),
    });
    assertEquals(await status("GOOD", b), "ConcurrentTx");
    // A start with a tag that is not Accepted is still recorded: the car may already be charging.
    const blocked = await b.call("StartTransaction", {
      connectorId: 1,
      idTag: "BLOCKED",
      meterStart: 5,
      timestamp: at(1),
    });
    assertEquals(blocked.idTagInfo.status, "Blocked");
    assertEquals((await server.store.getTransaction(blocked.transactionId))?.startIdTagStatus, "Blocked");
    const second = await b.call("StartTransaction", {
      connectorId: 2,
      idTag: "GOOD",
      meterStart: 0,
      timestamp: at(2),
    });
    assertEquals(second.idTagInfo.status, "ConcurrentTx");
    await a.call("StopTransaction", { transactionId: start.transactionId, meterStop: 10, timestamp: at(3) });
    assertEquals(await status("GOOD", b), "Accepted");
  } finally {
    await closeStation(a);
    await closeStation(b);
    await server.close();
  }
});

Deno.test("replayed StartTransaction and StopTransaction change nothing, before and after a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-replay-" });
  const path = `${dir}/csms.kv`;
  const start = { connectorId: 2, idTag: "GOOD", meterStart: 500, timestamp: at(0), reservationId: 77 };
  const stop = { transactionId: 0, idTag: "GOOD", meterStop: 900, timestamp: at(30), reason: "Local" };
  try {
    let txId: number;
    {
      const store = await openKvStore(path);
      await seedTags(store);
      const server = await startTestServer({}, { store });
      const station = await connectStation(server.wsUrl, "CP-REPLAY");
      const first = await station.call("StartTransaction", start);
      txId = first.transactionId;
      assertEquals(await station.call("StartTransaction", start), first);
      stop.transactionId = txId;
      const stopped = await station.call("StopTransaction", stop);
      assertEquals(await station.call("StopTransaction", stop), stopped);
      await closeStation(station);
      await server.close();
      await store.close();
    }
    const store = await openKvStore(path);
    const server = await startTestServer({}, { store });
    try {
      const station = await connectStation(server.wsUrl, "CP-REPLAY");
      const again = await station.call("StartTransaction", start);
      assertEquals(again.transactionId, txId);
      await station.call("StopTransaction", { ...stop, meterStop: 999 });
      const all = await store.listTransactions({ chargePointId: "CP-REPLAY", limit: 10 });
      assertEquals(all.length, 1);
      assertEquals([all[0]?.meterStop, all[0]?.energyWh, all[0]?.reservationId, all[0]?.status], [
        900,
        400,
        77,
        "finished",
      ]);
      // A new start after the restart gets a new, larger id: ids are never reused.
      const next = await station.call("StartTransaction", { ...start, timestamp: at(60) });
      assert(next.transactionId > txId);
      await closeStation(station);
    } finally {
      await server.close();
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StopTransaction with -1 or an unknown id is answered and kept once as an orphan", async () => {
  const server = await startTestServer();
  const station = await connectStation(server.wsUrl, "CP-ORPHAN");
  try {
    const data = [{ timestamp: at(5), sampledValue: [{ value: "42" }] }];
    for (const transactionId of [-1, -1, 987654]) {
      const reply = await station.call("StopTransaction", {
        transactionId,
        meterStop: 42,
        timestamp: at(5),
        transactionData: data,
      });
      assertEquals(reply, {});
    }
    const orphans = await server.store.listOrphanStops({ limit: 10, chargePointId: "CP-ORPHAN" });
    assertEquals(orphans.map((o) => o.transactionId).sort(), [-1, 987654]);
    assertEquals(orphans[0]?.transactionData, data);
    // A whole day's readings in the stop (~200 KB, more than one KV value holds) are kept too.
    const day = Array.from({ length: 1500 }, (_, i) => ({
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      sampledValue: [{ value: String(i * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" }],
    }));
    const big = { transactionId: 555, meterStop: 150_000, timestamp: at(9), transactionData: day };
    assertEquals(await station.call("StopTransaction", big), {});
    const kept = await server.store.listOrphanStops({ limit: 10, chargePointId: "CP-ORPHAN" });
    assertEquals(kept.find((o) => o.transactionId === 555)?.transactionData, day);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a new start on a busy connector supersedes the old transaction; its late stop still completes it", async () => {
  const server = await startTestServer();
  const station = await connectStation(server.wsUrl, "CP-ZOMBIE");
  try {
    const old = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "A",
      meterStart: 100,
      timestamp: at(0),
    });
    const fresh = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "B",
      meterStart: 300,
      timestamp: at(10),
    });
    assert(fresh.transactionId !== old.transactionId);
    let zombie = await server.store.getTransaction(old.transactionId);
    assertEquals([zombie?.status, zombie?.supersededBy], ["superseded", fresh.transactionId]);
    const record = await server.store.getChargePoint("CP-ZOMBIE");
    assertEquals(record?.connectors.find((c) => c.connectorId === 1)?.transactionId, fresh.transactionId);
    await station.call("StopTransaction", {
      transactionId: old.transactionId,
      meterStop: 250,
      timestamp: at(9),
    });
    zombie = await server.store.getTransaction(old.transactionId);
    assertEquals([zombie?.status, zombie?.energyWh, zombie?.supersededBy], [
      "finished",
      150,
      fresh.transactionId,
    ]);
    // The late stop of the zombie did not detach the fresh transaction from the connector.
    const after = await server.store.getChargePoint("CP-ZOMBIE");
    assertEquals(after?.connectors.find((c) => c.connectorId === 1)?.transactionId, fresh.transactionId);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("200 queued MeterValues with old timestamps, sent back to back twice, are stored once", async () => {
  const server = await startTestServer();
  const station = await connectStation(server.wsUrl, "CP-QUEUE");
  try {
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "A",
      meterStart: 0,
      timestamp: at(-600),
    });
    // Hours old, in shuffled order, as a station flushing its offline queue.
    const minutes = Array.from({ length: 200 }, (_, i) => -600 + i).sort(() => Math.random() - 0.5);
    const send = () =>
      Promise.all(minutes.map((m) =>
        station.call("MeterValues", {
          connectorId: 1,
          transactionId: start.transactionId,
          meterValue: [{ timestamp: at(m), sampledValue: [{ value: String(m + 600) }] }],
        })
      ));
    await send();
    await send();
    const rows = await server.store.listMeterValuesByTransaction(start.transactionId);
    assertEquals(rows.length, 200);
    assertEquals(rows.map((r) => r.timestamp), [...rows.map((r) => r.timestamp)].sort());
    // Values for connector 0 and without a transaction are kept too.
    await station.call("MeterValues", {
      connectorId: 0,
      meterValue: [{ timestamp: at(0), sampledValue: [{ value: "7" }] }],
    });
    const latest = await server.store.listMeterValuesByChargePoint("CP-QUEUE", 300);
    assertEquals(latest.length, 201);
    assert(latest.some((r) => r.connectorId === 0 && r.transactionId === null));
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("connector ids outside the spec's bounds store nothing (PropertyConstraintViolation); connector 0's status and meter values are stored", async () => {
  const server = await startTestServer();
  const raw = await openRaw(`${server.wsUrl}/CP-BOUNDS`);
  try {
    raw.send(
      JSON.stringify([2, "b", "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }]),
    );
    await raw.next();
    const ask = async (frame: unknown[]) => {
      raw.send(JSON.stringify(frame));
      return await raw.next() as unknown[];
    };
    const start = await ask([2, "s0", "StartTransaction", {
      connectorId: 0,
      idTag: "T",
      meterStart: 0,
      timestamp: at(0),
    }]);
    assertEquals(start.slice(0, 3), [4, "s0", "PropertyConstraintViolation"]);
    assertEquals(start[4], { field: "connectorId", constraint: "minimum" });
    const huge = await ask([2, "s2", "StartTransaction", {
      connectorId: 1,
      idTag: "T",
      meterStart: 1e20,
      timestamp: at(0),
    }]);
    assertEquals(huge.slice(0, 3), [4, "s2", "PropertyConstraintViolation"]);
    const status = await ask([2, "st", "StatusNotification", {
      connectorId: -1,
      status: "Available",
      errorCode: "NoError",
    }]);
    assertEquals(status.slice(0, 3), [4, "st", "PropertyConstraintViolation"]);
    const outOfBounds = await ask([2, "mv", "MeterValues", {
      connectorId: -2,
      meterValue: [{ timestamp: at(0), sampledValue: [{ value: "1" }] }],
    }]);
    assertEquals(outOfBounds.slice(0, 3), [4, "mv", "PropertyConstraintViolation"]);
    assertEquals(await server.store.listTransactions({ chargePointId: "CP-BOUNDS", limit: 5 }), []);
    assertEquals(await server.store.listMeterValuesByChargePoint("CP-BOUNDS", 5), []);
    // Connector 0 is the whole station: its status and meter values are kept.
    assertEquals(
      await ask([2, "s1", "StatusNotification", {
        connectorId: 0,
        status: "Unavailable",
        errorCode: "OtherError",
        info: "door open",
        timestamp: at(1),
      }]),
      [3, "s1", {}],
    );
    assertEquals(
      await ask([2, "m0", "MeterValues", {
        connectorId: 0,
        meterValue: [{
          timestamp: at(2),
          sampledValue: [{ value: "4242", measurand: "Voltage", unit: "V" }],
        }],
      }]),
      [3, "m0", {}],
    );
    const record = await server.store.getChargePoint("CP-BOUNDS");
    assertEquals(record?.connectors.find((c) => c.connectorId === 0), {
      connectorId: 0,
      status: "Unavailable",
      errorCode: "OtherError",
      info: "door open",
      timestamp: at(1),
    });
    const history = await server.store.listStatusHistory("CP-BOUNDS", 10);
    assertEquals(
      history.map((h) => [h.connectorId, h.status, h.errorCode, h.timestamp]),
      [[0, "Unavailable", "OtherError", at(1)]],
    );
    const meter = await server.store.listMeterValuesByChargePoint("CP-BOUNDS", 5);
    assertEquals(
      meter.map((r) => [r.connectorId, r.transactionId, r.timestamp, r.measurand, r.value, r.unit]),
      [[0, null, at(2), "Voltage", "4242", "V"]],
    );
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("a stop reading below the start's is stored as sent, its energy unknown, with a warning", async () => {
  const server = await startTestServer();
  await seedTags(server.store);
  const station = await connectStation(server.wsUrl, "CP-BACKWARDS");
  try {
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "GOOD",
      meterStart: 5_000,
      timestamp: at(0),
    });
    assertEquals(start.idTagInfo.status, "Accepted");
    // The meter was replaced (or rolled over) during the session.
    const stop = await station.call("StopTransaction", {
      transactionId: start.transactionId,
      meterStop: 1_200,
      timestamp: at(30),
    });
    assertEquals(stop.idTagInfo, undefined);
    const stored = await server.store.getTransaction(start.transactionId);
    assertEquals([stored?.status, stored?.meterStart, stored?.meterStop, stored?.energyWh], [
      "finished",
      5_000,
      1_200,
      null,
    ]);
    const warning = server.logs.find((l) =>
      l.level === "warn" && String(l.msg).includes("implausible meter readings")
    );
    assertEquals(
      [warning?.transactionId, warning?.reason],
      [start.transactionId, "meter_backwards"],
      JSON.stringify(server.logs.slice(-5)),
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});
