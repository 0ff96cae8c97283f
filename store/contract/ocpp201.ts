import { assert, assertEquals } from "@std/assert";
import type { DeviceModelEntry } from "../../model/device_model.ts";
import { decideTransactionEvent, type TransactionEventInput } from "../../model/transaction_event.ts";
import type { Store } from "../mod.ts";
import { at, type Cases } from "./harness.ts";

/** A TransactionEvent of CP-1's transaction "tx-abc" (an Updated with seqNo 0 unless `fields` say else). */
export function transactionEvent(fields: Partial<TransactionEventInput> = {}): TransactionEventInput {
  return {
    chargePointId: "CP-1",
    eventType: "Updated",
    seqNo: 0,
    stationTransactionId: "tx-abc",
    evseId: null,
    timestamp: at(1),
    idToken: null,
    idTokenStatus: null,
    remoteStartId: null,
    reservationId: null,
    stoppedReason: null,
    energy: { begin: null, end: null, latest: null },
    receivedAt: at(1),
    ...fields,
  };
}

/** Decides one event with the store's lookups and commits it, as the TransactionEvent handler does. */
async function apply(store: Store, input: TransactionEventInput) {
  const { outcome, changes } = await decideTransactionEvent(input, store);
  const result = await store.commit({ chargePointId: input.chargePointId, ...changes });
  return { outcome, result };
}

function entry(component: string, variable: string, value: string): DeviceModelEntry {
  return {
    chargePointId: "CP-1",
    component: { name: component, evse: { id: 1 } },
    variable: { name: variable },
    attributes: [{ type: "Actual", value, mutability: "ReadWrite" }],
    characteristics: { dataType: "integer", supportsMonitoring: false },
    requestId: 3,
    generatedAt: at(0),
    receivedAt: at(1),
  };
}

/** OCPP 2.0.1: transactions by the station's own id in the same ledger, seqNos, the device model, EVSEs. */
export function ocpp201Cases({ stationTest }: Cases): void {
  stationTest("a long 2.0.1 session's record does not grow with its events", async ({ store }) => {
    // A car left plugged in for days: an Updated event a minute. The record kept every seqNo, and on KV, past
    // ~13,000 of them, it no longer fit a value (64 KiB): every later event of the session failed.
    const started = await apply(
      store(),
      transactionEvent({ eventType: "Started", evseId: 1, idToken: "TOKEN-1" }),
    );
    const id = started.outcome.transaction!.transactionId;
    for (let seqNo = 1; seqNo <= 1000; seqNo++) {
      assertEquals((await apply(store(), transactionEvent({ seqNo }))).result.ok, true);
    }
    const tx = await store().getTransaction(id);
    assertEquals(tx?.seqNoRanges, [[0, 1000]]);
    assert(JSON.stringify(tx).length < 1000, `the record holds ${JSON.stringify(tx).length} bytes`);
  });

  stationTest(
    "a 2.0.1 transaction is found by the station's id; its events apply once each, in any order",
    async ({ store }) => {
      const started = await apply(
        store(),
        transactionEvent({
          eventType: "Started",
          evseId: 2,
          idToken: "TOKEN-1",
          idTokenStatus: "Accepted",
          remoteStartId: 77,
          energy: { begin: 1000, end: null, latest: 1000 },
        }),
      );
      assertEquals(started.result.ok, true);
      const id = started.outcome.transaction!.transactionId;
      const found = await store().findTransactionByStationId("CP-1", "tx-abc");
      assertEquals(found?.transactionId, id);
      assertEquals(found?.stationTransactionId, "tx-abc");
      assertEquals(found?.remoteStartId, 77);
      assertEquals(found?.connectorId, 2);
      assertEquals(found?.seqNoRanges, [[0, 0]]);
      assertEquals(await store().findTransactionByStationId("CP-2", "tx-abc"), null);
      // seqNo 2 before 1, then 1 replayed.
      assertEquals((await apply(store(), transactionEvent({ seqNo: 2 }))).result.ok, true);
      assertEquals((await apply(store(), transactionEvent({ seqNo: 1 }))).result.ok, true);
      const replay = await apply(store(), transactionEvent({ seqNo: 1 }));
      assertEquals(replay.outcome.outcome, "replayed");
      assertEquals((await store().getTransaction(id))?.seqNoRanges, [[0, 2]]);
      assertEquals((await store().findActiveTransactionsOn("CP-1", 2)).map((t) => t.transactionId), [id]);
      const ended = await apply(
        store(),
        transactionEvent({
          eventType: "Ended",
          seqNo: 3,
          timestamp: at(30),
          receivedAt: at(30),
          stoppedReason: "EVDisconnected",
          energy: { begin: null, end: 8500, latest: 8500 },
        }),
      );
      assertEquals(ended.result.ok, true);
      const done = await store().getTransaction(id);
      assertEquals(done?.status, "finished");
      assertEquals(done?.energyWh, 7500);
      assertEquals(done?.stopReason, "EVDisconnected");
      assertEquals(done?.seqNoRanges, [[0, 3]]);
      assertEquals(await store().findActiveTransactionsOn("CP-1", 2), []);
      const listed = await store().listTransactions({ chargePointId: "CP-1", limit: 10 });
      assertEquals(listed.map((t) => t.stationTransactionId), ["tx-abc"]);
    },
  );

  stationTest(
    "a 2.0.1 transaction whose Ended arrives first is stored finished; its late Started fills in the start",
    async ({ store }) => {
      const ended = await apply(
        store(),
        transactionEvent({
          eventType: "Ended",
          seqNo: 4,
          evseId: 1,
          timestamp: at(40),
          energy: { begin: null, end: 5000, latest: 5000 },
        }),
      );
      assertEquals(ended.result.ok, true);
      const id = ended.outcome.transaction!.transactionId;
      assertEquals(await store().findActiveTransactionsOn("CP-1", 1), []);
      const started = await apply(
        store(),
        transactionEvent({
          eventType: "Started",
          seqNo: 0,
          evseId: 1,
          idToken: "LATE",
          idTokenStatus: "Accepted",
          timestamp: at(5),
          energy: { begin: 1000, end: null, latest: 1000 },
        }),
      );
      assertEquals(started.result.ok, true);
      const tx = await store().getTransaction(id);
      assertEquals(tx?.status, "finished");
      assertEquals(tx?.startTimestamp, at(5));
      assertEquals(tx?.meterStart, 1000);
      assertEquals(tx?.energyWh, 4000);
      assertEquals(tx?.idTag, "LATE");
      assertEquals(tx?.seqNoRanges, [[0, 0], [4, 4]]);
      assertEquals(
        (await store().listTransactions({ idTag: "LATE", limit: 5 })).map((t) => t.transactionId),
        [
          id,
        ],
      );
    },
  );

  stationTest(
    "the idToken of a later event replaces an empty one in the idTag indexes",
    async ({ store }) => {
      const first = await apply(store(), transactionEvent({ eventType: "Started", evseId: 1 }));
      const id = first.outcome.transaction!.transactionId;
      await apply(store(), transactionEvent({ seqNo: 1, idToken: "CARD-9", idTokenStatus: "Accepted" }));
      assertEquals((await store().findActiveTransactionByIdTag("CARD-9"))?.transactionId, id);
      assertEquals((await store().listTransactions({ idTag: "CARD-9", limit: 5 })).length, 1);
      assertEquals(await store().findActiveTransactionByIdTag(""), null);
    },
  );

  stationTest(
    "two 2.0.1 transactions that start alike are both stored; a 1.6 start alike is not a replay of them",
    async ({ store }) => {
      // A station without a clock: the same EVSE, start time, idTag ("") and unknown reading, other ids.
      const first = await apply(store(), transactionEvent({ eventType: "Started", evseId: 1 }));
      await apply(store(), transactionEvent({ eventType: "Ended", seqNo: 1, timestamp: at(5) }));
      const second = await apply(
        store(),
        transactionEvent({ eventType: "Started", evseId: 1, stationTransactionId: "tx-def" }),
      );
      assertEquals(second.result.ok, true);
      const ids = [first, second].map((a) => a.outcome.transaction!.transactionId);
      assertEquals(
        (await Promise.all(ids.map((id) => store().getTransaction(id)))).map((t) => t?.stationTransactionId),
        ["tx-abc", "tx-def"],
      );
      const start16 = { chargePointId: "CP-1", connectorId: 1, idTag: "", meterStart: 0, timestamp: at(1) };
      assertEquals(await store().findTransactionByStart(start16), null);
    },
  );

  stationTest("the same station transaction started twice concurrently is a conflict", async ({ store }) => {
    const one = await decideTransactionEvent(transactionEvent({ eventType: "Started", evseId: 1 }), store());
    const two = await decideTransactionEvent(transactionEvent({ eventType: "Started", evseId: 3 }), store());
    assertEquals((await store().commit({ chargePointId: "CP-1", ...one.changes })).ok, true);
    const second = await store().commit({ chargePointId: "CP-1", ...two.changes });
    assertEquals(second.ok, false);
  });

  stationTest(
    "a station id used again after its transaction ended names a new transaction; each reuse is stored once",
    async ({ store }) => {
      const first = await apply(
        store(),
        transactionEvent({ eventType: "Started", evseId: 1, timestamp: at(1) }),
      );
      await apply(store(), transactionEvent({ eventType: "Ended", seqNo: 1, timestamp: at(10) }));
      // The station counts from the start again: its next session's Started, after that end.
      const again = transactionEvent({
        eventType: "Started",
        evseId: 1,
        timestamp: at(20),
        receivedAt: at(20),
      });
      const one = await decideTransactionEvent(again, store());
      // The same start decided twice at once (on another EVSE, so only the reuse itself can conflict).
      const two = await decideTransactionEvent({ ...again, evseId: 3 }, store());
      assertEquals((await store().commit({ chargePointId: "CP-1", ...one.changes })).ok, true);
      assertEquals(
        (await store().commit({ chargePointId: "CP-1", ...two.changes })).ok,
        false,
        "stored once",
      );
      const second = one.outcome.transaction!;
      assertEquals(second.stationIdReuse, 1);
      const firstId = first.outcome.transaction!.transactionId;
      assertEquals(
        (await store().findTransactionByStationId("CP-1", "tx-abc"))?.transactionId,
        second.transactionId,
      );
      assertEquals(
        (await store().findTransactionByStationId("CP-1", "tx-abc", 1))?.transactionId,
        second.transactionId,
      );
      assertEquals((await store().findTransactionByStationId("CP-1", "tx-abc", 0))?.transactionId, firstId);
      assertEquals(await store().findTransactionByStationId("CP-1", "tx-abc", 2), null);
      const stored = await store().getTransaction(second.transactionId);
      assertEquals([stored?.status, stored?.stationIdReuse, stored?.seqNoRanges], ["active", 1, [[0, 0]]]);
      assertEquals((await store().getTransaction(firstId))?.stationIdReuse, undefined);
      // Its replay is its own; the first session's late event is the first's.
      assertEquals((await apply(store(), again)).outcome.outcome, "replayed");
      const late = await apply(store(), transactionEvent({ seqNo: 2, timestamp: at(5) }));
      assertEquals([late.outcome.transaction?.transactionId, late.outcome.earlierSession], [firstId, true]);
      assertEquals((await store().getTransaction(firstId))?.seqNoRanges, [[0, 2]]);
      // A third session: the id names it, the second keeps its own key.
      await apply(store(), transactionEvent({ eventType: "Ended", seqNo: 1, timestamp: at(30) }));
      const third = await apply(store(), { ...again, timestamp: at(40), receivedAt: at(40) });
      assertEquals([third.result.ok, third.outcome.transaction?.stationIdReuse], [true, 2]);
      assertEquals(
        (await store().findTransactionByStationId("CP-1", "tx-abc", 1))?.transactionId,
        second.transactionId,
      );
    },
  );

  stationTest(
    "the device model is upserted by key and listed in key order with a cursor",
    async ({ store }) => {
      const a = entry("EVSE", "Power", "22000");
      const b = entry("Connector", "Type", "cType2");
      const c = entry("EVSE", "AvailabilityState", "Available");
      assertEquals((await store().commit({ chargePointId: "CP-1", deviceModel: [a, b, c] })).ok, true);
      const changed = { ...a, attributes: [{ type: "Actual", value: "11000" }], receivedAt: at(2) };
      assertEquals((await store().commit({ chargePointId: "CP-1", deviceModel: [changed] })).ok, true);
      const all = await store().listDeviceModel("CP-1", { limit: 10 });
      assertEquals(all.map((e) => `${e.component.name}.${e.variable.name}`), [
        "Connector.Type",
        "EVSE.AvailabilityState",
        "EVSE.Power",
      ]);
      assertEquals(all[2], changed);
      const page = await store().listDeviceModel("CP-1", { limit: 1, after: "EVSE||1||AvailabilityState|" });
      assertEquals(page, [changed]);
      assertEquals(await store().listDeviceModel("CP-2", { limit: 10 }), []);
    },
  );

  stationTest(
    "getDeviceModelEntries() reads the entries of the keys asked for, by key, and leaves out the others",
    async ({ store }) => {
      const power = entry("EVSE", "Power", "22000");
      const type = entry("Connector", "Type", "cType2");
      assertEquals((await store().commit({ chargePointId: "CP-1", deviceModel: [power, type] })).ok, true);
      const keys = ["EVSE||1||Power|", "EVSE||1||Unreported|", "Connector||1||Type|"];
      assertEquals(await store().getDeviceModelEntries("CP-1", keys), [type, power]);
      assertEquals(await store().getDeviceModelEntries("CP-1", []), []);
      assertEquals(await store().getDeviceModelEntries("CP-2", keys), []);
    },
  );

  stationTest(
    "a told value changes its stored entry's attribute, in order, and never adds an entry",
    async ({ store }) => {
      const power = entry("EVSE", "Power", "22000");
      assertEquals((await store().commit({ chargePointId: "CP-1", deviceModel: [power] })).ok, true);
      const ref = { chargePointId: "CP-1", component: { name: "EVSE", evse: { id: 1 } } };
      const result = await store().commit({
        chargePointId: "CP-1",
        deviceModelValues: [
          { ...ref, variable: { name: "Power" }, attributeType: "Actual", value: "7400", at: at(2) },
          { ...ref, variable: { name: "Power" }, attributeType: "Actual", value: "11000", at: at(3) },
          { ...ref, variable: { name: "Power" }, attributeType: "Target", value: "3700", at: at(3) },
          { ...ref, variable: { name: "Unreported" }, attributeType: "Actual", value: "1", at: at(3) },
        ],
      });
      assertEquals(result.ok, true);
      assertEquals(await store().listDeviceModel("CP-1", { limit: 10 }), [{
        ...power,
        attributes: [
          { type: "Actual", value: "11000", mutability: "ReadWrite" },
          { type: "Target", value: "3700" },
        ],
        valueChangedAt: at(3),
      }]);
      // A report and a told value of the same commit: the value changes what the report describes.
      const reported = { ...power, attributes: [{ type: "Actual", value: "22000" }], receivedAt: at(4) };
      await store().commit({
        chargePointId: "CP-1",
        deviceModel: [reported],
        deviceModelValues: [{
          ...ref,
          variable: { name: "Power" },
          attributeType: "Actual",
          value: "1",
          at: at(4),
        }],
      });
      const [after] = await store().listDeviceModel("CP-1", { limit: 10 });
      assertEquals(after?.attributes, [{ type: "Actual", value: "1" }]);
      assertEquals(after?.receivedAt, at(4));
    },
  );

  stationTest(
    "a GetVariables of 150 reported variables changes them all in one commit, with its command log",
    async ({ store }) => {
      const names = Array.from({ length: 150 }, (_, i) => `V${String(i).padStart(3, "0")}`);
      const reported = names.map((name) => entry("EVSE", name, "0"));
      assertEquals((await store().commit({ chargePointId: "CP-1", deviceModel: reported })).ok, true);
      const component = { name: "EVSE", evse: { id: 1 } };
      const result = await store().commit({
        chargePointId: "CP-1",
        commandLog: [{
          id: "cmd-1",
          chargePointId: "CP-1",
          action: "GetVariables",
          payload: {},
          requestedBy: "user:olga",
          requestedAt: at(2),
          finishedAt: at(2),
          outcome: "accepted",
          response: {},
        }],
        deviceModelValues: names.map((name) => ({
          chargePointId: "CP-1",
          component,
          variable: { name },
          attributeType: "Actual",
          value: `${name}-read`,
          at: at(2),
        })),
      });
      assertEquals(result.ok, true);
      const all = await store().listDeviceModel("CP-1", { limit: 200 });
      assertEquals(all.map((e) => e.attributes[0]?.value), names.map((name) => `${name}-read`));
      assertEquals((await store().listCommandLog("CP-1", 10)).map((e) => e.id), ["cmd-1"]);
    },
  );

  stationTest("a station's dialect and EVSEs survive in its snapshot", async ({ store }) => {
    const evses = [{
      evseId: 1,
      connectorId: 1,
      status: "Occupied",
      timestamp: at(3),
      transactionId: "tx-1",
    }];
    const result = await store().commit({
      chargePointId: "CP-1",
      snapshot: { ocppVersion: "ocpp2.0.1", evses, updatedAt: at(3) },
    });
    assert(result.ok);
    const record = await store().getChargePoint("CP-1");
    assertEquals(record?.ocppVersion, "ocpp2.0.1");
    assertEquals(record?.evses, evses);
  });
}
