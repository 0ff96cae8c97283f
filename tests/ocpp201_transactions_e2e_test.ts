/**
 * OCPP 2.0.1 transactions in the same ledger as 1.6's, driven by npm `ocpp-rpc` in strict mode speaking
 * `ocpp2.0.1`: a full transaction with replays after a reconnect and an out-of-order event (on Deno KV and on
 * PostgreSQL), a remote start
 * through the API linked by remoteStartId, and the list and CSV an operator reads.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";

const TOKEN = { idToken: "CARD-201", type: "ISO14443" };

function energy(wh: number, context: string, at: string) {
  return [{
    timestamp: at,
    sampledValue: [{ value: wh / 1000, context, unitOfMeasure: { unit: "kWh" } }],
  }];
}

function event(
  eventType: "Started" | "Updated" | "Ended",
  seqNo: number,
  fields: Record<string, unknown> = {},
) {
  return {
    eventType,
    seqNo,
    timestamp: `2026-11-25T10:${String(seqNo).padStart(2, "0")}:00Z`,
    triggerReason: eventType === "Started"
      ? "Authorized"
      : eventType === "Ended"
      ? "EVDeparted"
      : "MeterValuePeriodic",
    transactionInfo: { transactionId: "TX-7f3a", ...(fields.transactionInfo as object ?? {}) },
    ...Object.fromEntries(Object.entries(fields).filter(([k]) => k !== "transactionInfo")),
  };
}

async function ledgerScenario(server: ApiTestServer) {
  await server.store.putIdTag({ idTag: "CARD-201", status: "Accepted", expiryDate: null, parentIdTag: null });
  let station = await connectStation201(server.wsUrl, "CP-TX201");
  try {
    const started = await station.call(
      "TransactionEvent",
      event("Started", 0, {
        evse: { id: 1, connectorId: 1 },
        idToken: TOKEN,
        meterValue: energy(12_000, "Transaction.Begin", "2026-11-25T10:00:00Z"),
      }),
    );
    assertEquals(started.idTokenInfo.status, "Accepted");
    // seqNo 2 arrives before seqNo 1 (an offline queue drained out of order).
    assertEquals(
      await station.call(
        "TransactionEvent",
        event("Updated", 2, {
          offline: true,
          meterValue: energy(14_000, "Sample.Periodic", "2026-11-25T10:02:00Z"),
        }),
      ),
      {},
    );
    assertEquals(
      await station.call(
        "TransactionEvent",
        event("Updated", 1, {
          offline: true,
          meterValue: energy(13_000, "Sample.Periodic", "2026-11-25T10:01:00Z"),
        }),
      ),
      {},
    );
    let tx = (await server.json("/api/v1/transactions?chargePointId=CP-TX201", { as: "viewer" })).body.items;
    assertEquals(tx.length, 1);
    assertEquals([tx[0].status, tx[0].stationTransactionId, tx[0].connectorId, tx[0].idTag], [
      "active",
      "TX-7f3a",
      1,
      "CARD-201",
    ]);
    assertEquals(tx[0].seqNoRanges, [[0, 2]]);
    const detail = (await server.json("/api/v1/charge-points/CP-TX201", { as: "viewer" })).body;
    assertEquals(detail.ocppVersion, "ocpp2.0.1");
    assertEquals(
      detail.evses.map((e: { evseId: number; transactionId: string; assumed?: true }) => [
        e.evseId,
        e.transactionId,
        e.assumed,
      ]),
      [
        [1, "TX-7f3a", true],
      ],
    );
    // The station reconnects and replays what it is not sure we got: nothing changes twice.
    await closeStation(station);
    station = await connectStation201(server.wsUrl, "CP-TX201");
    assertEquals(
      (await station.call("TransactionEvent", event("Started", 0, { evse: { id: 1 }, idToken: TOKEN })))
        .idTokenInfo.status,
      "Accepted",
    );
    await station.call(
      "TransactionEvent",
      event("Updated", 1, { meterValue: energy(13_000, "Sample.Periodic", "2026-11-25T10:01:00Z") }),
    );
    const ended = event("Ended", 3, {
      transactionInfo: { stoppedReason: "EVDisconnected" },
      idToken: TOKEN,
      meterValue: energy(19_500, "Transaction.End", "2026-11-25T10:03:00Z"),
    });
    await station.call("TransactionEvent", ended);
    await station.call("TransactionEvent", ended);
    tx = (await server.json("/api/v1/transactions?chargePointId=CP-TX201", { as: "viewer" })).body.items;
    assertEquals(tx.length, 1);
    assertEquals(
      [tx[0].status, tx[0].meterStart, tx[0].meterStop, tx[0].energyWh, tx[0].stopReason, tx[0].seqNoRanges],
      ["finished", 12_000, 19_500, 7_500, "EVDisconnected", [[0, 3]]],
    );
    const values = await server.store.listMeterValuesByTransaction(tx[0].transactionId);
    assertEquals(values.length, 4, "each reading stored once");
    const csv =
      await (await server.api("/api/v1/transactions/export.csv?chargePointId=CP-TX201", { as: "viewer" }))
        .text();
    const [header, row] = csv.trimEnd().split("\r\n");
    assert(header?.endsWith(",stationTransactionId,remoteStartId,stationIdReuse,energyImplausible"), header);
    assert(row?.endsWith(",,"), "no reuse: an empty stationIdReuse; plausible: an empty energyImplausible");
    assertStringIncludes(row ?? "", `"TX-7f3a"`);
    assert(server.logs.some((l) => l.msg === "transaction event replayed" && l.seqNo === 3));
    const record = await server.store.getChargePoint("CP-TX201");
    // The ended transaction leaves its EVSE; never reported, the EVSE is unknown again (not Occupied for ever).
    assertEquals(record?.evses, []);
  } finally {
    await closeStation(station);
  }
}

const ignorePostgres = await ignoreWithoutPostgres("OCPP 2.0.1 ledger on PostgreSQL");

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name:
      `a 2.0.1 transaction lands in the ledger once, whatever the replays and the order of its events (${kind})`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, ledgerScenario),
  });
}

Deno.test("a remote start through the API is linked to the transaction the station starts by remoteStartId", async () => {
  const server = await startApiServer();
  await server.store.putIdTag({ idTag: "CARD-201", status: "Accepted", expiryDate: null, parentIdTag: null });
  const station = await connectStation201(server.wsUrl, "CP-RS201");
  const v16 = await connectStation(server.wsUrl, "CP-RS16");
  try {
    await station.call("StatusNotification", {
      timestamp: "2026-11-25T10:00:00Z",
      connectorStatus: "Available",
      evseId: 2,
      connectorId: 1,
    });
    let asked: { remoteStartId: number; idToken: { idToken: string } } | null = null;
    station.handle("RequestStartTransaction", ({ params }) => {
      asked = params;
      return { status: "Accepted" };
    });
    const res = await server.json("/api/v1/charge-points/CP-RS201/RequestStartTransaction", {
      method: "POST",
      body: { idToken: { idToken: "CARD-201", type: "Central" }, evseId: 2 },
      as: "operator",
    });
    assertEquals(res.status, 200);
    assertEquals(res.body.status, "Accepted");
    const remoteStartId = res.body.remoteStartId;
    assert(Number.isInteger(remoteStartId) && remoteStartId > 0, `remoteStartId ${remoteStartId}`);
    assertEquals(asked!.remoteStartId, remoteStartId);
    await station.call("TransactionEvent", {
      eventType: "Started",
      seqNo: 0,
      timestamp: "2026-11-25T10:05:00Z",
      triggerReason: "RemoteStart",
      transactionInfo: { transactionId: "RS-1", remoteStartId },
      evse: { id: 2, connectorId: 1 },
      idToken: { idToken: "CARD-201", type: "Central" },
    });
    const tx = await eventually(async () => {
      const items =
        (await server.json("/api/v1/transactions?chargePointId=CP-RS201", { as: "viewer" })).body.items;
      return items.length === 1 ? items[0] : null;
    });
    assertEquals([tx.remoteStartId, tx.stationTransactionId, tx.connectorId], [remoteStartId, "RS-1", 2]);
    // The transaction's page names the station's id, its events and the remote start.
    const cookie = await server.login("root", "root-password-1");
    const page =
      await (await fetch(`${server.url}/transactions/${tx.transactionId}`, { headers: { cookie } })).text();
    assertStringIncludes(page, "RS-1");
    assertStringIncludes(
      page,
      `events ${tx.seqNoRanges.map(([a, b]: number[]) => a === b ? a : `${a}-${b}`)}`,
    );
    assertStringIncludes(page, `remote start ${remoteStartId}`);
    // The EVSE now has a transaction: a second start is refused unless forced.
    const again = await server.json("/api/v1/charge-points/CP-RS201/RequestStartTransaction", {
      method: "POST",
      body: { idToken: { idToken: "CARD-201", type: "Central" }, evseId: 2 },
      as: "operator",
    });
    assertEquals([again.status, again.body.error], [409, "command_refused"]);
    // A command of the other dialect is 400 naming the station's dialect, both ways.
    const wrong = await server.json("/api/v1/charge-points/CP-RS201/RemoteStartTransaction", {
      method: "POST",
      body: { idTag: "CARD-201" },
      as: "operator",
    });
    assertEquals([wrong.status, wrong.body.error, wrong.body.details.dialect], [
      400,
      "wrong_dialect",
      "ocpp2.0.1",
    ]);
    assertStringIncludes(wrong.body.message, "OCPP 2.0.1");
    const wrong16 = await server.json("/api/v1/charge-points/CP-RS16/RequestStartTransaction", {
      method: "POST",
      body: { idToken: { idToken: "CARD-201", type: "Central" } },
      as: "operator",
    });
    assertEquals([wrong16.status, wrong16.body.details.dialect], [400, "ocpp1.6"]);
    assertStringIncludes(wrong16.body.message, "OCPP 1.6");
    // A shared name takes the station's dialect's schema: 2.0.1's Reset has no "Soft".
    const reset = await server.json("/api/v1/charge-points/CP-RS201/Reset", {
      method: "POST",
      body: { type: "Soft" },
      as: "operator",
    });
    assertEquals([reset.status, reset.body.details.field], [400, "type"]);
  } finally {
    await closeStation(station);
    await closeStation(v16);
    await server.close();
  }
});

Deno.test("the first event of an unknown transaction without an EVSE, or on EVSE 0, is refused with a CALLERROR, not acknowledged and dropped", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-NOEVSE");
  try {
    const refused = await station.call(
      "TransactionEvent",
      event("Updated", 3, {
        transactionInfo: { transactionId: "TX-noevse" },
        meterValue: energy(5_000, "Sample.Periodic", "2026-11-25T10:03:00Z"),
      }),
    ).then(() => null, (e: { rpcErrorCode?: string; message: string }) => e);
    assertEquals(refused?.rpcErrorCode, "OccurrenceConstraintViolation");
    assertStringIncludes(refused!.message, "must name its EVSE");
    // EVSE 0 is the whole station, where no transaction runs: the field is named, not said to be missing.
    const onZero = await station.call(
      "TransactionEvent",
      event("Started", 0, {
        transactionInfo: { transactionId: "TX-evse0" },
        evse: { id: 0, connectorId: 0 },
        meterValue: energy(5_000, "Transaction.Begin", "2026-11-25T10:00:00Z"),
      }),
    ).then(() => null, (e: { rpcErrorCode?: string; details?: { field?: string } }) => e);
    assertEquals([onZero?.rpcErrorCode, onZero?.details?.field], ["PropertyConstraintViolation", "evse.id"]);
    const none = await server.json("/api/v1/transactions?chargePointId=CP-NOEVSE", { as: "viewer" });
    assertEquals(none.body.items, []);
    // The station sends it again naming its EVSE (as the spec has it): stored, and answered.
    assertEquals(
      await station.call(
        "TransactionEvent",
        event("Updated", 3, {
          transactionInfo: { transactionId: "TX-noevse" },
          evse: { id: 1, connectorId: 1 },
          meterValue: energy(5_000, "Sample.Periodic", "2026-11-25T10:03:00Z"),
        }),
      ),
      {},
    );
    const stored = await server.json("/api/v1/transactions?chargePointId=CP-NOEVSE", { as: "viewer" });
    assertEquals(
      stored.body.items.map((t: { stationTransactionId: string; connectorId: number }) => [
        t.stationTransactionId,
        t.connectorId,
      ]),
      [["TX-noevse", 1]],
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a 2.0.1 station set Pending mid-session ends its open transaction but opens none, whatever the event type", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-PEND201");
  try {
    await station.call(
      "TransactionEvent",
      event("Started", 0, { evse: { id: 1, connectorId: 1 }, idToken: TOKEN }),
    );
    const changed = await server.json("/api/v1/charge-points/CP-PEND201", {
      method: "PUT",
      body: { registrationStatus: "Pending" },
    });
    assertEquals(changed.status, 200);
    // An Updated event of a transaction nobody opened would open it: refused like a Started one.
    const unknown = await station.call(
      "TransactionEvent",
      event("Updated", 0, { evse: { id: 2, connectorId: 1 }, transactionInfo: { transactionId: "TX-NEW" } }),
    ).then(() => null, (e: { rpcErrorCode?: string }) => e);
    assertEquals(unknown?.rpcErrorCode, "SecurityError");
    assertEquals(await station.call("TransactionEvent", event("Ended", 1)), {});
    const items =
      (await server.json("/api/v1/transactions?chargePointId=CP-PEND201", { as: "viewer" })).body.items;
    assertEquals(
      items.map((t: { stationTransactionId: string; status: string }) => [t.stationTransactionId, t.status]),
      [
        ["TX-7f3a", "finished"],
      ],
    );
  } finally {
    await station.close({ code: 1000, force: true, awaitPending: false });
    await server.close();
  }
});

/**
 * A station without a real-time clock counts its time from the same instant after each boot, so two of its
 * sessions can start at the same station time on the same EVSE, neither with an idToken nor a reading: its
 * own transactionIds tell them apart, and 1.6's replay key (station, connector, idTag, meterStart, start
 * time) must not merge or refuse them.
 */
async function clocklessScenario(server: ApiTestServer) {
  const plugged = (transactionId: string) => ({
    eventType: "Started",
    seqNo: 0,
    timestamp: "1970-01-01T00:00:42Z",
    triggerReason: "CablePluggedIn",
    transactionInfo: { transactionId, chargingState: "EVConnected" },
    evse: { id: 1, connectorId: 1 },
  });
  let station = await connectStation201(server.wsUrl, "CP-NOCLOCK");
  try {
    assertEquals(await station.call("TransactionEvent", plugged("3f1c-a")), {});
    await station.call("TransactionEvent", {
      eventType: "Ended",
      seqNo: 1,
      timestamp: "1970-01-01T00:20:00Z",
      triggerReason: "EVDeparted",
      transactionInfo: { transactionId: "3f1c-a", stoppedReason: "EVDisconnected" },
    });
    // Power cut: the clock starts again from 1970, and the next car plugs in at the same station time.
    await closeStation(station);
    station = await connectStation201(server.wsUrl, "CP-NOCLOCK");
    assertEquals(await station.call("TransactionEvent", plugged("9b2e-b")), {});
    assertEquals(await station.call("TransactionEvent", plugged("9b2e-b")), {}, "its replay is acknowledged");
    const items =
      (await server.json("/api/v1/transactions?chargePointId=CP-NOCLOCK", { as: "viewer" })).body.items;
    assertEquals(
      items.map((t: { stationTransactionId: string; status: string }) => [t.stationTransactionId, t.status])
        .sort(),
      [["3f1c-a", "finished"], ["9b2e-b", "active"]],
    );
  } finally {
    await closeStation(station);
  }
}

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name:
      `two 2.0.1 transactions that start alike on one EVSE are both stored, told apart by their transactionIds (${kind})`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, clocklessScenario),
  });
}
