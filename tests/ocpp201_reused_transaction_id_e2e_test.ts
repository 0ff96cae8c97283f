/**
 * A 2.0.1 station that restarts its transactionId counter after a reset: a `Started` under the id of a
 * transaction that already ended, timed after that end, is a new session, stored as a new transaction; its
 * replays (and the old session's) change nothing. Driven by npm `ocpp-rpc` in strict mode, on both stores.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import type { ApiTestServer } from "./helpers/api.ts";

const TOKEN = { idToken: "CARD-R", type: "ISO14443" };

/** An event of the station's transaction "1" at `time` (HH:MM on the test's day) with a register in Wh. */
function event(eventType: "Started" | "Updated" | "Ended", seqNo: number, time: string, wh: number) {
  const context = { Started: "Transaction.Begin", Updated: "Sample.Periodic", Ended: "Transaction.End" };
  const timestamp = `2026-11-25T${time}:00Z`;
  return {
    eventType,
    seqNo,
    timestamp,
    triggerReason: eventType === "Started"
      ? "Authorized"
      : eventType === "Ended"
      ? "EVDeparted"
      : "MeterValuePeriodic",
    transactionInfo: {
      transactionId: "1",
      ...(eventType === "Ended" ? { stoppedReason: "EVDisconnected" } : {}),
    },
    ...(eventType === "Started" ? { evse: { id: 1, connectorId: 1 }, idToken: TOKEN } : {}),
    meterValue: [{
      timestamp,
      sampledValue: [{ value: wh / 1000, context: context[eventType], unitOfMeasure: { unit: "kWh" } }],
    }],
  };
}

async function listed(server: ApiTestServer) {
  const items =
    (await server.json("/api/v1/transactions?chargePointId=CP-REUSE", { as: "viewer" })).body.items;
  return (items as Record<string, unknown>[]).map((t) => [
    t.stationTransactionId,
    t.status,
    t.startTimestamp,
    t.meterStart,
    t.meterStop,
    t.energyWh,
  ]).reverse();
}

async function scenario(server: ApiTestServer) {
  await server.store.putIdTag({ idTag: "CARD-R", status: "Accepted", expiryDate: null, parentIdTag: null });
  let station = await connectStation201(server.wsUrl, "CP-REUSE");
  try {
    await station.call("TransactionEvent", event("Started", 0, "10:00", 1_000));
    await station.call("TransactionEvent", event("Updated", 1, "10:10", 2_000));
    await station.call("TransactionEvent", event("Ended", 2, "10:30", 4_000));
    const first = [["1", "finished", "2026-11-25T10:00:00.000Z", 1_000, 4_000, 3_000]];
    assertEquals(await listed(server), first);

    // The station resets and counts from "1" again, seqNo from 0.
    await closeStation(station);
    station = await connectStation201(server.wsUrl, "CP-REUSE");
    const started = await station.call("TransactionEvent", event("Started", 0, "11:00", 5_000));
    assertEquals(started.idTokenInfo.status, "Accepted");
    const open = ["1", "active", "2026-11-25T11:00:00.000Z", 5_000, null, null];
    assertEquals(await listed(server), [...first, open], "a new session, the old one as it was");
    // Replays of the new session's start and of the old one's change nothing.
    await station.call("TransactionEvent", event("Started", 0, "11:00", 5_000));
    await station.call("TransactionEvent", event("Started", 0, "10:00", 1_000));
    await station.call("TransactionEvent", event("Ended", 2, "10:30", 4_000));
    assertEquals(await listed(server), [...first, open]);
    // A late event of the old session is the old one's: the EVSE stays the new session's.
    await station.call("TransactionEvent", event("Updated", 3, "10:20", 3_000));
    assertEquals(await listed(server), [...first, open]);
    const evses = (await server.json("/api/v1/charge-points/CP-REUSE", { as: "viewer" })).body.evses;
    assertEquals(evses.map((e: { evseId: number; transactionId?: string }) => [e.evseId, e.transactionId]), [[
      1,
      "1",
    ]]);
    // Its link goes to the session open on it, not to the earlier one under the same id.
    const reused = (await server.json("/api/v1/transactions?chargePointId=CP-REUSE", { as: "viewer" })).body
      .items
      .find((t: { stationIdReuse?: number }) => t.stationIdReuse === 1);
    assertEquals(evses[0].ledgerTransactionId, reused.transactionId);

    await station.call("TransactionEvent", event("Updated", 1, "11:10", 5_500));
    await station.call("TransactionEvent", event("Ended", 2, "11:30", 7_000));
    await station.call("TransactionEvent", event("Ended", 2, "11:30", 7_000));
    const second = ["1", "finished", "2026-11-25T11:00:00.000Z", 5_000, 7_000, 2_000];
    assertEquals(await listed(server), [...first, second]);
    const items =
      (await server.json("/api/v1/transactions?chargePointId=CP-REUSE", { as: "viewer" })).body.items;
    assertEquals(items.map((t: { stationIdReuse?: number }) => t.stationIdReuse), [1, undefined]);
    // The CSV export says it as the JSON does, newest first: the second session's reuse, none for the first.
    const csv = await server.api("/api/v1/transactions/export.csv?chargePointId=CP-REUSE", { as: "viewer" });
    const [header, ...rows] = (await csv.text()).trimEnd().split("\r\n").map((line) => line.split(","));
    const column = (name: string) => rows.map((row) => row[header!.indexOf(name)]);
    assert(header!.includes("stationIdReuse"), header!.join(","));
    assertEquals(column("stationTransactionId"), ['"1"', '"1"']);
    assertEquals(column("stationIdReuse"), ["1", ""]);
    const detail = await server.json("/api/v1/charge-points/CP-REUSE", { as: "viewer" });
    assertEquals(detail.body.evses, [], "the ended session leaves its EVSE");
  } finally {
    await closeStation(station);
  }
}

/**
 * The reset that makes a station count from "1" again also loses the session it had open: no Ended ever
 * comes for it. The new session's Started has the same id and seqNo, but it is no replay: a replay of the
 * old start carries the old start's time.
 */
async function lostSession(server: ApiTestServer) {
  await server.store.putIdTag({ idTag: "CARD-R", status: "Accepted", expiryDate: null, parentIdTag: null });
  let station = await connectStation201(server.wsUrl, "CP-REUSE");
  try {
    await station.call("TransactionEvent", event("Started", 0, "10:00", 1_000));
    await station.call("TransactionEvent", event("Updated", 1, "10:10", 2_000));
    await closeStation(station);
    station = await connectStation201(server.wsUrl, "CP-REUSE");
    await station.call("TransactionEvent", event("Started", 0, "11:00", 5_000));
    await station.call("TransactionEvent", event("Updated", 1, "11:10", 5_500));
    // A replay of the lost session's start changes nothing.
    await station.call("TransactionEvent", event("Started", 0, "10:00", 1_000));
    await station.call("TransactionEvent", event("Ended", 2, "11:30", 7_000));
    assertEquals(await listed(server), [
      ["1", "superseded", "2026-11-25T10:00:00.000Z", 1_000, null, null],
      ["1", "finished", "2026-11-25T11:00:00.000Z", 5_000, 7_000, 2_000],
    ]);
    const items =
      (await server.json("/api/v1/transactions?chargePointId=CP-REUSE", { as: "viewer" })).body.items;
    assertEquals(items.map((t: { stationIdReuse?: number }) => t.stationIdReuse), [1, undefined]);
  } finally {
    await closeStation(station);
  }
}

const ignorePostgres = await ignoreWithoutPostgres("reused 2.0.1 transaction ids on PostgreSQL");

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `${kind}: a 2.0.1 Started under the id of a transaction that ended before it is a new transaction`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, scenario),
  });
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name:
      `${kind}: a 2.0.1 Started under the id of a session a reset left open, timed after its start, is a new transaction`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, lostSession),
  });
}
