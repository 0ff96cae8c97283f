import { assert, assertEquals, assertGreater, assertLess, assertStrictEquals } from "@std/assert";
import type { TransactionRecord } from "../../model/transaction.ts";
import type { TransactionFilter } from "../mod.ts";
import { at, type Cases, ids, startInput, stopInput } from "./harness.ts";

/** Transactions: starts, stops, orphan stops and queries; the rules of model/transaction.ts as every store commits them. */
export function transactionCases({ stationTest }: Cases): void {
  // ---------------------------------------------------------------- transactions: start

  stationTest("startTransaction() records a new active transaction with every field", async ({ store }) => {
    const input = startInput({ idTagStatus: "ConcurrentTx", reservationId: 42 });
    const out = await store().startTransaction(input);
    assertStrictEquals(out.replayed, false);
    assertEquals(out.superseded, []);
    const id = out.transaction.transactionId;
    assert(Number.isInteger(id) && id > 0 && id < 2 ** 31, `Unexpected transactionId ${id}`);
    const expected: TransactionRecord = {
      transactionId: id,
      chargePointId: "CP-1",
      connectorId: 1,
      idTag: "TAG-1",
      startIdTagStatus: "ConcurrentTx",
      meterStart: 1000,
      startTimestamp: input.timestamp,
      reservationId: 42,
      status: "active",
      supersededBy: null,
      meterStop: null,
      stopTimestamp: null,
      stopReason: null,
      stopIdTag: null,
      energyWh: null,
      createdAt: input.receivedAt,
      stoppedAt: null,
    };
    assertEquals(out.transaction, expected);
    assertEquals(await store().getTransaction(id), expected);
  });

  stationTest("getTransaction() returns null for an unknown id", async ({ store }) => {
    assertEquals(await store().getTransaction(1), null);
    assertEquals(await store().getTransaction(-1), null);
  });

  stationTest("startTransaction() allocates positive, increasing ids", async ({ store }) => {
    let last = 0;
    for (let i = 0; i < 5; i++) {
      const out = await store().startTransaction(startInput({ connectorId: i + 1, timestamp: at(10 + i) }));
      assertGreater(out.transaction.transactionId, last);
      assertLess(out.transaction.transactionId, 2 ** 31);
      last = out.transaction.transactionId;
    }
  });

  stationTest("startTransaction() returns the same transaction for a replayed start", async ({ store }) => {
    const first = await store().startTransaction(startInput());
    const replay = await store().startTransaction(startInput({ receivedAt: at(11), idTagStatus: "Blocked" }));
    assertStrictEquals(replay.replayed, true);
    assertEquals(replay.superseded, []);
    assertEquals(replay.transaction, first.transaction);
    assertEquals(ids(await store().listTransactions({ limit: 10 })), [first.transaction.transactionId]);

    // Any difference in the replay key makes it a new start.
    for (
      const changed of [
        { chargePointId: "CP-2" },
        { connectorId: 2 },
        { idTag: "TAG-2" },
        { meterStart: 1001 },
        { timestamp: at(10.5) },
      ]
    ) {
      const out = await store().startTransaction(startInput(changed));
      assertStrictEquals(out.replayed, false, `Expected a new start for ${JSON.stringify(changed)}`);
    }
  });

  stationTest(
    "startTransaction() run concurrently for the same start creates one transaction",
    async ({ store }) => {
      const outs = await Promise.all(Array.from({ length: 8 }, () => store().startTransaction(startInput())));
      const distinct = new Set(outs.map((o) => o.transaction.transactionId));
      assertEquals(distinct.size, 1);
      assertEquals(outs.filter((o) => !o.replayed).length, 1);
      assertEquals((await store().listTransactions({ limit: 10 })).length, 1);
    },
  );

  stationTest(
    "startTransaction() run concurrently for different starts gives distinct ids",
    async ({ store }) => {
      const outs = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store().startTransaction(startInput({ connectorId: i + 1 }))),
      );
      assertEquals(new Set(outs.map((o) => o.transaction.transactionId)).size, 8);
      assert(outs.every((o) => !o.replayed && o.superseded.length === 0));
    },
  );

  stationTest(
    "startTransaction() supersedes the open transaction on the same connector",
    async ({ store }) => {
      const old = await store().startTransaction(startInput({ idTag: "OLD" }));
      const otherConnector = await store().startTransaction(startInput({ connectorId: 2 }));
      const otherStation = await store().startTransaction(startInput({ chargePointId: "CP-2" }));

      const next = await store().startTransaction(startInput({ idTag: "NEW", timestamp: at(20) }));
      const newId = next.transaction.transactionId;
      assertStrictEquals(next.replayed, false);
      const expectedOld: TransactionRecord = {
        ...old.transaction,
        status: "superseded",
        supersededBy: newId,
      };
      assertEquals(next.superseded, [expectedOld]);
      assertEquals(await store().getTransaction(old.transaction.transactionId), expectedOld);
      assertEquals(next.transaction.status, "active");

      // Other connectors and stations are untouched.
      assertEquals(
        await store().getTransaction(otherConnector.transaction.transactionId),
        otherConnector.transaction,
      );
      assertEquals(
        await store().getTransaction(otherStation.transaction.transactionId),
        otherStation.transaction,
      );

      // A superseded transaction is no longer active for its idTag.
      assertEquals(await store().findActiveTransactionByIdTag("OLD"), null);
    },
  );

  stationTest(
    "startTransaction() supersedes nothing after the previous one was stopped",
    async ({ store }) => {
      const first = await store().startTransaction(startInput());
      await store().stopTransaction(stopInput(first.transaction.transactionId));
      const second = await store().startTransaction(startInput({ timestamp: at(50) }));
      assertEquals(second.superseded, []);
      assertEquals((await store().getTransaction(first.transaction.transactionId))?.status, "finished");
      assertEquals((await store().getTransaction(first.transaction.transactionId))?.supersededBy, null);
    },
  );

  stationTest(
    "startTransaction() replaying a superseded start returns it unchanged and supersedes nothing",
    async ({ store }) => {
      const old = await store().startTransaction(startInput());
      const next = await store().startTransaction(startInput({ timestamp: at(20) }));
      const replay = await store().startTransaction(startInput());
      assertStrictEquals(replay.replayed, true);
      assertEquals(replay.superseded, []);
      assertEquals(replay.transaction, {
        ...old.transaction,
        status: "superseded",
        supersededBy: next.transaction.transactionId,
      });
      assertEquals(await store().getTransaction(next.transaction.transactionId), next.transaction);
    },
  );

  stationTest(
    "startTransaction() run concurrently on one connector leaves exactly one active transaction",
    async ({ store }) => {
      const outs = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store().startTransaction(startInput({ idTag: `TAG-${i}` }))),
      );
      const all = await store().listTransactions({ limit: 20 });
      assertEquals(all.length, 6);
      assertEquals(all.filter((t) => t.status === "active").length, 1);
      const superseded = all.filter((t) => t.status === "superseded");
      assertEquals(superseded.length, 5);
      const idSet = new Set(ids(outs.map((o) => o.transaction)));
      for (const t of superseded) assert(t.supersededBy !== null && idSet.has(t.supersededBy));
      // Every superseded transaction was reported by exactly one start.
      const reported = outs.flatMap((o) => ids(o.superseded)).sort((a, b) => a - b);
      assertEquals(reported, ids(superseded).sort((a, b) => a - b));
    },
  );

  // ---------------------------------------------------------------- transactions: stop

  stationTest("stopTransaction() completes an active transaction", async ({ store }) => {
    const started = await store().startTransaction(startInput({ meterStart: 1000, reservationId: 3 }));
    const id = started.transaction.transactionId;
    const input = stopInput(id, { meterStop: 4500, idTag: "TAG-9", reason: "EVDisconnected" });
    const out = await store().stopTransaction(input);
    const expected: TransactionRecord = {
      ...started.transaction,
      status: "finished",
      meterStop: 4500,
      stopTimestamp: input.timestamp,
      stopReason: "EVDisconnected",
      stopIdTag: "TAG-9",
      energyWh: 3500,
      stoppedAt: input.receivedAt,
    };
    assertEquals(out, { outcome: "stopped", transaction: expected });
    assertEquals(await store().getTransaction(id), expected);
    assertEquals(await store().listOrphanStops({ limit: 10 }), []);
  });

  stationTest("stopTransaction() keeps null idTag and reason as null", async ({ store }) => {
    const started = await store().startTransaction(startInput());
    const out = await store().stopTransaction(
      stopInput(started.transaction.transactionId, { idTag: null, idTagStatus: null, reason: null }),
    );
    assertEquals(out.transaction?.stopIdTag, null);
    assertEquals(out.transaction?.stopReason, null);
  });

  stationTest(
    "stopTransaction() of a stopped transaction is a replay; a different stop is kept as an orphan",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const id = started.transaction.transactionId;
      const first = await store().stopTransaction(stopInput(id));
      const again = await store().stopTransaction(stopInput(id, { receivedAt: at(41) }));
      assertEquals(again, { outcome: "replayed", transaction: first.transaction });
      assertEquals(await store().listOrphanStops({ limit: 10 }), []);
      // A different stop for the same id does not overwrite the completed one: it is kept for review.
      const different = await store().stopTransaction(stopInput(id, { meterStop: 9999, timestamp: at(60) }));
      assertEquals(different, { outcome: "conflicting", transaction: first.transaction });
      assertEquals(await store().getTransaction(id), first.transaction);
      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.map((o) => [o.transactionId, o.meterStop]), [[id, 9999]]);
    },
  );

  stationTest(
    "stopTransaction() with transactionId -1 keeps one orphan stop with its transactionData",
    async ({ store }) => {
      const transactionData = [{
        timestamp: at(39),
        sampledValue: [{ value: "4500", measurand: "Energy.Active.Import.Register" }],
      }];
      const input = stopInput(-1, { transactionData });
      const out = await store().stopTransaction(input);
      assertEquals(out, { outcome: "orphan", transaction: null });
      const replay = await store().stopTransaction({ ...input, receivedAt: at(45) });
      assertEquals(replay, { outcome: "orphan", transaction: null });

      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.length, 1);
      const orphan = orphans[0]!;
      assertEquals(typeof orphan.id, "string");
      assertEquals({ ...orphan, id: "" }, {
        id: "",
        chargePointId: "CP-1",
        transactionId: -1,
        idTag: "TAG-1",
        meterStop: 4500,
        timestamp: input.timestamp,
        reason: "Local",
        transactionData,
        receivedAt: input.receivedAt,
      });
    },
  );

  stationTest(
    "an orphan stop keeps a whole session's transactionData (more than a KV value holds), once",
    async ({ store }) => {
      // 1,500 readings (~200 KB of JSON, a spelling with two-byte characters among them): a day's session.
      const transactionData = Array.from({ length: 1500 }, (_, i) => ({
        timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
        sampledValue: [{ value: String(i * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" }],
        ...(i === 7 ? { note: "Zähler ✓" } : {}),
      }));
      const input = stopInput(987654, { transactionData });
      assertEquals(await store().stopTransaction(input), { outcome: "orphan", transaction: null });
      assertEquals(await store().stopTransaction({ ...input, receivedAt: at(45) }), {
        outcome: "orphan",
        transaction: null,
      });
      const orphans = await store().listOrphanStops({ limit: 10, chargePointId: "CP-1" });
      assertEquals(orphans.length, 1);
      assertEquals(orphans[0]?.transactionData, transactionData);
      assertEquals((await store().listOrphanStops({ limit: 10 }))[0]?.transactionData, transactionData);
    },
  );

  stationTest(
    "stopTransaction() of an unknown id keeps it as an orphan, once per stop",
    async ({ store }) => {
      const a = await store().stopTransaction(stopInput(777, { transactionData: null }));
      assertEquals(a, { outcome: "orphan", transaction: null });
      await store().stopTransaction(stopInput(777, { receivedAt: at(41) }));
      // A different stop (another meterStop, timestamp or id) is another orphan.
      await store().stopTransaction(stopInput(777, { meterStop: 5000, receivedAt: at(42) }));
      await store().stopTransaction(stopInput(777, { timestamp: at(41), receivedAt: at(43) }));
      await store().stopTransaction(stopInput(778, { receivedAt: at(44) }));
      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.length, 4);
      assertEquals(new Set(orphans.map((o) => o.id)).size, 4);
      assertEquals(orphans[3]?.transactionData, null);
      assertEquals(await store().getTransaction(777), null);
    },
  );

  stationTest(
    "stopTransaction() for another station's transaction is an orphan and leaves it untouched",
    async ({ store }) => {
      const started = await store().startTransaction(startInput({ chargePointId: "CP-1" }));
      const id = started.transaction.transactionId;
      const out = await store().stopTransaction(stopInput(id, { chargePointId: "CP-2" }));
      assertEquals(out, { outcome: "orphan", transaction: null });
      assertEquals(await store().getTransaction(id), started.transaction);
      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.map((o) => [o.chargePointId, o.transactionId]), [["CP-2", id]]);
      assertEquals((await store().findActiveTransactionByIdTag("TAG-1"))?.transactionId, id);
    },
  );

  stationTest(
    "stopTransaction() of a superseded transaction finishes it and keeps supersededBy",
    async ({ store }) => {
      const old = await store().startTransaction(startInput({ meterStart: 100 }));
      const next = await store().startTransaction(startInput({ timestamp: at(20), meterStart: 900 }));
      const newId = next.transaction.transactionId;
      const out = await store().stopTransaction(stopInput(old.transaction.transactionId, { meterStop: 850 }));
      assertEquals(out.outcome, "stopped");
      assertEquals(out.transaction?.status, "finished");
      assertEquals(out.transaction?.supersededBy, newId);
      assertEquals(out.transaction?.energyWh, 750);
      assertEquals(await store().getTransaction(old.transaction.transactionId), out.transaction);
      // The newer transaction stays active.
      assertEquals(await store().getTransaction(newId), next.transaction);
      assertEquals((await store().findActiveTransactionByIdTag("TAG-1"))?.transactionId, newId);
    },
  );

  stationTest(
    "stopTransaction() with a stop reading below the start keeps both readings and leaves the energy unknown",
    async ({ store }) => {
      const started = await store().startTransaction(startInput({ meterStart: 5_000 }));
      const id = started.transaction.transactionId;
      const out = await store().stopTransaction(stopInput(id, { meterStop: 4_000 }));
      assertEquals(out.outcome, "stopped");
      assertEquals([out.transaction?.meterStart, out.transaction?.meterStop], [5_000, 4_000]);
      assertEquals(out.transaction?.energyWh, null);
      assertEquals(await store().getTransaction(id), out.transaction);
    },
  );

  stationTest(
    "listOrphanStops() returns newest first, per station, up to limit",
    async ({ store }) => {
      await store().stopTransaction(
        stopInput(-1, { chargePointId: "CP-1", timestamp: at(1), receivedAt: at(1) }),
      );
      await store().stopTransaction(
        stopInput(-1, { chargePointId: "CP-2", timestamp: at(2), receivedAt: at(2) }),
      );
      await store().stopTransaction(
        stopInput(-1, { chargePointId: "CP-1", timestamp: at(3), receivedAt: at(3) }),
      );
      const all = await store().listOrphanStops({ limit: 10 });
      assertEquals(all.map((o) => [o.chargePointId, o.timestamp]), [["CP-1", at(3)], ["CP-2", at(2)], [
        "CP-1",
        at(1),
      ]]);
      assertEquals((await store().listOrphanStops({ limit: 2 })).length, 2);
      const cp1 = await store().listOrphanStops({ limit: 10, chargePointId: "CP-1" });
      assertEquals(cp1.map((o) => o.timestamp), [at(3), at(1)]);
      assertEquals((await store().listOrphanStops({ limit: 1, chargePointId: "CP-1" })).length, 1);
      assertEquals(await store().listOrphanStops({ limit: 10, chargePointId: "CP-9" }), []);
    },
  );

  // ---------------------------------------------------------------- transactions: queries

  stationTest(
    "findActiveTransactionByIdTag() finds an active transaction on any station",
    async ({ store }) => {
      assertEquals(await store().findActiveTransactionByIdTag("TAG-1"), null);
      const started = await store().startTransaction(startInput({ chargePointId: "CP-7", idTag: "TAG-1" }));
      await store().startTransaction(startInput({ chargePointId: "CP-8", idTag: "TAG-2" }));
      assertEquals(await store().findActiveTransactionByIdTag("TAG-1"), started.transaction);
      assertEquals(await store().findActiveTransactionByIdTag("tag-1"), started.transaction, "in any case");
      await store().stopTransaction(stopInput(started.transaction.transactionId, { chargePointId: "CP-7" }));
      assertEquals(await store().findActiveTransactionByIdTag("TAG-1"), null);
      assertEquals((await store().findActiveTransactionByIdTag("TAG-2"))?.chargePointId, "CP-8");
    },
  );

  stationTest("listTransactions() returns newest first and applies every filter", async ({ store }) => {
    // ids in start order; each row: [chargePointId, connectorId, idTag, start minute]
    const rows: [string, number, string, number][] = [
      ["CP-1", 1, "A", 10],
      ["CP-1", 2, "B", 20],
      ["CP-2", 1, "A", 30],
      ["CP-1", 1, "B", 40], // supersedes the first
      ["CP-2", 2, "C", 50],
    ];
    const started: number[] = [];
    for (const [chargePointId, connectorId, idTag, minute] of rows) {
      const out = await store().startTransaction(
        startInput({ chargePointId, connectorId, idTag, timestamp: at(minute) }),
      );
      started.push(out.transaction.transactionId);
    }
    await store().stopTransaction(stopInput(started[2]!, { chargePointId: "CP-2" }));
    const [t1, t2, t3, t4, t5] = started;
    const list = async (f: Omit<TransactionFilter, "limit">) =>
      ids(await store().listTransactions({ limit: 100, ...f }));

    assertEquals(await list({}), [t5, t4, t3, t2, t1]);
    assertEquals(await list({ chargePointId: "CP-1" }), [t4, t2, t1]);
    assertEquals(await list({ chargePointId: "CP-1", connectorId: 1 }), [t4, t1]);
    assertEquals(await list({ connectorId: 2 }), [t5, t2]);
    assertEquals(await list({ idTag: "A" }), [t3, t1]);
    assertEquals(await list({ idTag: "a" }), [t3, t1], "id tags match in any case");
    assertEquals(await list({ idTag: "a", chargePointId: "CP-1" }), [t1]);
    assertEquals(await list({ status: "active" }), [t5, t4, t2]);
    assertEquals(await list({ status: "active", chargePointId: "CP-1" }), [t4, t2]);
    assertEquals(await list({ status: "active", chargePointId: "CP-1", before: t4! }), [t2]);
    assertEquals(await list({ status: "active", chargePointId: "CP-2" }), [t5]);
    assertEquals(await list({ status: "active", chargePointId: "CP-2", connectorId: 1 }), []);
    assertEquals(await list({ status: "superseded" }), [t1]);
    assertEquals(await list({ status: "finished" }), [t3]);
    assertEquals(await list({ from: at(20) }), [t5, t4, t3, t2]);
    assertEquals(await list({ to: at(40) }), [t3, t2, t1]);
    assertEquals(await list({ from: at(20), to: at(50) }), [t4, t3, t2]);
    assertEquals(await list({ from: at(20), before: t4! }), [t3, t2]);
    assertEquals(await list({ from: at(30), to: at(20) }), [], "a range that ends before it starts is empty");
    assertEquals(await list({ idTag: "b", status: "active" }), [t4, t2]);
    assertEquals(await list({ from: at(20), status: "active" }), [t5, t4, t2]);
    assertEquals(await list({ from: at(20), status: "finished" }), [t3]);
    assertEquals(ids(await store().listTransactions({ limit: 2, from: at(20) })), [t5, t4]);
    assertEquals(await list({ chargePointId: "CP-3" }), []);
    assertEquals(await list({ idTag: "B", status: "active", chargePointId: "CP-1", connectorId: 1 }), [t4]);
    const full = await store().listTransactions({ limit: 1, status: "finished" });
    assertEquals(full, [await store().getTransaction(t3!)]);
  });

  stationTest(
    "listTransactions() by start time follows a start time an update changed",
    async ({ store }) => {
      // OCPP 2.0.1: a Started event that arrives after other events sets the start it knows.
      const { transaction } = await store().startTransaction(startInput({ timestamp: at(10) }));
      const result = await store().commit({
        chargePointId: "CP-1",
        transactionUpdates: [{
          transaction: { ...transaction, startTimestamp: at(30) },
          expectedStatus: "active",
        }],
      });
      assertEquals(result.ok, true);
      const list = async (f: Omit<TransactionFilter, "limit">) =>
        ids(await store().listTransactions({ limit: 10, ...f }));
      assertEquals(await list({ from: at(20) }), [transaction.transactionId]);
      assertEquals(await list({ from: at(5), to: at(20) }), []);
      assertEquals(await list({ from: at(30), to: at(31) }), [transaction.transactionId]);
    },
  );

  stationTest("listTransactions() pages with limit and the before cursor", async ({ store }) => {
    const started: number[] = [];
    for (let i = 0; i < 7; i++) {
      const out = await store().startTransaction(
        startInput({ connectorId: i + 1, idTag: i % 2 ? "ODD" : "EVEN" }),
      );
      started.push(out.transaction.transactionId);
    }
    const desc = [...started].reverse();
    const page1 = ids(await store().listTransactions({ limit: 3 }));
    assertEquals(page1, desc.slice(0, 3));
    const page2 = ids(await store().listTransactions({ limit: 3, before: page1[2]! }));
    assertEquals(page2, desc.slice(3, 6));
    const page3 = ids(await store().listTransactions({ limit: 3, before: page2[2]! }));
    assertEquals(page3, desc.slice(6));
    assertEquals(await store().listTransactions({ limit: 3, before: page3[0]! }), []);

    const even = started.filter((_, i) => i % 2 === 0).reverse();
    const evenPage1 = ids(await store().listTransactions({ limit: 2, idTag: "EVEN" }));
    assertEquals(evenPage1, even.slice(0, 2));
    const evenPage2 = ids(await store().listTransactions({ limit: 2, idTag: "EVEN", before: evenPage1[1]! }));
    assertEquals(evenPage2, even.slice(2, 4));
    const stationPage2 = ids(
      await store().listTransactions({ limit: 3, chargePointId: "CP-1", before: page1[2]! }),
    );
    assertEquals(stationPage2, desc.slice(3, 6));
    const activePage2 = ids(
      await store().listTransactions({ limit: 3, status: "active", before: page1[2]! }),
    );
    assertEquals(activePage2, desc.slice(3, 6));
  });
}
