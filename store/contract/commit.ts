import { assert, assertEquals, assertGreater, assertRejects } from "@std/assert";
import { type ConnectorState, emptyRecord } from "../../model/charge_point.ts";
import type { ChargePointStatus } from "../../protocol/ocpp16/enums.ts";
import type { StationChanges } from "../../model/changes.ts";
import type { TransactionRecord } from "../../model/transaction.ts";
import {
  at,
  type Cases,
  chargePoint,
  command,
  meterRow,
  startInput,
  statusEntry,
  stopInput,
} from "./harness.ts";

/**
 * `commit()`, the one write of the station hot path: all or nothing per station, field patches that never
 * undo another writer's fields, conflicts instead of broken guards, and each caller settled on its own.
 */
export function commitCases({ test, stationTest }: Cases): void {
  stationTest("commit() writes every kind of change of one station, read back", async ({ store }) => {
    const started = await store().startTransaction(startInput());
    const transactionId = started.transaction.transactionId;
    const entry = statusEntry({ status: "Charging", receivedAt: at(21) });
    const rows = [
      meterRow({ transactionId }),
      meterRow({ transactionId, measurand: "Voltage", value: "230" }),
    ];
    const result = await store().commit({
      chargePointId: "CP-1",
      snapshot: { firmwareStatus: "Installing", updatedAt: at(21) },
      lastSeen: at(21),
      statusHistory: [entry],
      meterValues: rows,
      commandLog: [command("c1")],
    });
    assertEquals(result, { ok: true, meterValuesAdded: 2 });
    assertEquals(await store().getChargePoint("CP-1"), {
      ...chargePoint("CP-1"),
      firmwareStatus: "Installing",
      lastSeen: at(21),
      updatedAt: at(21),
    });
    assertEquals(await store().listStatusHistory("CP-1", 10), [entry]);
    assertEquals(await store().listMeterValuesByTransaction(transactionId), rows);
    assertEquals(await store().listCommandLog("CP-1", 10), [command("c1")]);
  });

  stationTest(
    "commit() patches fields: an operator's patch and a later patch of other fields by a writer that never saw it both survive",
    async ({ store }) => {
      // The operator changes the registration while the station's actor holds its older copy.
      await store().commit({
        chargePointId: "CP-1",
        snapshot: { registrationStatus: "Rejected", updatedAt: at(5) },
      });
      const connectors = [{
        connectorId: 1,
        status: "Faulted" as const,
        errorCode: "GroundFailure" as const,
        timestamp: at(6),
      }];
      await store().commit({
        chargePointId: "CP-1",
        snapshot: { connectors, updatedAt: at(6) },
        lastSeen: at(6),
      });
      const got = await store().getChargePoint("CP-1");
      assertEquals(got, {
        ...chargePoint("CP-1"),
        registrationStatus: "Rejected",
        connectors,
        lastSeen: at(6),
        updatedAt: at(6),
      });
    },
  );

  test("commit() from two store instances at once keeps every writer's fields", async (c) => {
    await c.t.step({
      name: "two instances on one backing store patch different fields concurrently",
      ignore: c.another === null,
      fn: async () => {
        const other = await c.another!();
        try {
          await c.store().putChargePoint(chargePoint("CP-1"));
          for (let i = 0; i < 20; i++) {
            await Promise.all([
              c.store().commit({ chargePointId: "CP-1", snapshot: { firmwareStatus: `fw-${i}` } }),
              other.commit({ chargePointId: "CP-1", snapshot: { diagnosticsStatus: `diag-${i}` } }),
            ]);
            const got = await c.store().getChargePoint("CP-1");
            assertEquals([got?.firmwareStatus, got?.diagnosticsStatus], [`fw-${i}`, `diag-${i}`]);
          }
        } finally {
          await other.close();
        }
      },
    });
  });

  test("commit() keeps an older connection's snapshot off a newer one's and tells it it was replaced", async ({ store }) => {
    const older = { connectedAt: at(1), nodeId: "node-b" };
    const newer = { connectedAt: at(2), nodeId: "node-a" };
    const connector = (status: ChargePointStatus): ConnectorState[] => [
      { connectorId: 1, status, errorCode: "NoError", timestamp: at(3) },
    ];
    await store().putChargePoint(chargePoint("CP-1"));
    const patch = (status: ChargePointStatus, connection: typeof older): StationChanges => ({
      chargePointId: "CP-1",
      snapshot: { connectors: connector(status), updatedAt: at(3) },
      connection,
      statusHistory: [statusEntry({ chargePointId: "CP-1", status })],
    });
    assertEquals(await store().commit(patch("Charging", newer)), { ok: true, meterValuesAdded: 0 });
    // A frozen node's late write: its snapshot is skipped, the rest (its status history) stored.
    assertEquals(await store().commit(patch("Available", older)), {
      ok: true,
      meterValuesAdded: 0,
      replaced: true,
    });
    const got = await store().getChargePoint("CP-1");
    assertEquals(got?.connectors.map((c) => c.status), ["Charging"]);
    assertEquals(Object.keys(got!).includes("writtenBy"), false);
    assertEquals((await store().listStatusHistory("CP-1", 10)).length, 2);
    // The same connection again, a newer one (a tie goes to the greater node id) and an operator's patch
    // (no connection) write.
    assertEquals(await store().commit(patch("Preparing", newer)), { ok: true, meterValuesAdded: 0 });
    assertEquals(await store().commit(patch("Finishing", { ...newer, nodeId: "node-c" })), {
      ok: true,
      meterValuesAdded: 0,
    });
    assertEquals((await store().commit(patch("Faulted", newer))).ok, true);
    assertEquals((await store().getChargePoint("CP-1"))?.connectors.map((c) => c.status), ["Finishing"]);
    assertEquals(await store().commit({ chargePointId: "CP-1", snapshot: { firmwareStatus: "Installed" } }), {
      ok: true,
      meterValuesAdded: 0,
    });
    assertEquals((await store().getChargePoint("CP-1"))?.firmwareStatus, "Installed");
  });

  test("commit() of a patch for an unknown station creates it from an empty record", async ({ store }) => {
    const result = await store().commit({
      chargePointId: "CP-NEW",
      snapshot: { registrationStatus: "Accepted", createdAt: at(3), updatedAt: at(3) },
    });
    assertEquals(result, { ok: true, meterValuesAdded: 0 });
    assertEquals(await store().getChargePoint("CP-NEW"), {
      ...emptyRecord("CP-NEW", new Date(at(3))),
      registrationStatus: "Accepted",
    });
  });

  stationTest(
    "commit() of a start whose replay key is stored is a conflict and writes none of the changes",
    async ({ store }) => {
      const first = await store().startTransaction(startInput());
      const again: TransactionRecord = {
        ...first.transaction,
        transactionId: await store().newTransactionId(),
      };
      const result = await store().commit({
        chargePointId: "CP-1",
        transactionsStarted: [again],
        statusHistory: [statusEntry({ receivedAt: at(30) })],
        meterValues: [meterRow()],
      });
      assertEquals(result.ok, false);
      assertEquals(await store().getTransaction(again.transactionId), null);
      assertEquals(await store().listStatusHistory("CP-1", 10), []);
      assertEquals(await store().listMeterValuesByChargePoint("CP-1", 10), []);
    },
  );

  stationTest(
    "commit() of a second active transaction on a connector is a conflict",
    async ({ store }) => {
      const first = await store().startTransaction(startInput());
      const second: TransactionRecord = {
        ...first.transaction,
        transactionId: await store().newTransactionId(),
        meterStart: 2000,
      };
      const result = await store().commit({ chargePointId: "CP-1", transactionsStarted: [second] });
      assertEquals(result.ok, false);
      assertEquals((await store().getTransaction(first.transaction.transactionId))?.status, "active");
      assertEquals(await store().getTransaction(second.transactionId), null);
    },
  );

  stationTest(
    "commit() of a transaction update whose expected status no longer holds is a conflict",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const stopped = await store().stopTransaction(stopInput(started.transaction.transactionId));
      const result = await store().commit({
        chargePointId: "CP-1",
        transactionUpdates: [{
          transaction: {
            ...started.transaction,
            status: "finished",
            meterStop: 1,
            stopTimestamp: at(50),
            stoppedAt: at(50),
            energyWh: -999,
          },
          expectedStatus: "active",
        }],
        commandLog: [command("c9")],
      });
      assertEquals(result.ok, false);
      assertEquals(await store().getTransaction(started.transaction.transactionId), stopped.transaction);
      assertEquals(await store().listCommandLog("CP-1", 10), []);
    },
  );

  stationTest(
    "commit() from many stations at once settles each caller with its own result",
    async ({ store }) => {
      const taken = await store().startTransaction(startInput({ chargePointId: "CP-2" }));
      const commits: StationChanges[] = [
        { chargePointId: "CP-1", meterValues: [meterRow({ value: "1" })], lastSeen: at(30) },
        // A replay key another start holds: only this caller gets the conflict.
        {
          chargePointId: "CP-2",
          transactionsStarted: [{ ...taken.transaction, transactionId: await store().newTransactionId() }],
        },
        {
          chargePointId: "CP-7",
          statusHistory: [statusEntry({ chargePointId: "CP-7", receivedAt: at(31) })],
        },
        { chargePointId: "CP-8", snapshot: { diagnosticsStatus: "Uploading" } },
      ];
      const results = await Promise.all(commits.map((c) => store().commit(c)));
      assertEquals(results.map((r) => r.ok), [true, false, true, true]);
      assertEquals((await store().listMeterValuesByChargePoint("CP-1", 10)).length, 1);
      assertEquals((await store().getChargePoint("CP-1"))?.lastSeen, at(30));
      assertEquals((await store().listStatusHistory("CP-7", 10)).length, 1);
      assertEquals((await store().getChargePoint("CP-8"))?.diagnosticsStatus, "Uploading");
    },
  );

  stationTest(
    "commit() stores meter values and orphan stops once: a replay adds nothing",
    async ({ store }) => {
      const orphan = (await store().stopTransaction(stopInput(-1))).transaction;
      assertEquals(orphan, null);
      const [kept] = await store().listOrphanStops({ limit: 10 });
      assert(kept !== undefined);
      const changes: StationChanges = {
        chargePointId: "CP-1",
        orphanStops: [{ ...kept, receivedAt: at(90) }],
        meterValues: [meterRow({ value: "7" }), meterRow({ value: "8" })],
      };
      assertEquals(await store().commit(changes), { ok: true, meterValuesAdded: 2 });
      assertEquals(
        await store().commit({
          ...changes,
          meterValues: [...changes.meterValues!, meterRow({ value: "9" })],
        }),
        {
          ok: true,
          meterValuesAdded: 1,
        },
      );
      assertEquals(await store().listOrphanStops({ limit: 10 }), [kept]);
      assertEquals((await store().listMeterValuesByChargePoint("CP-1", 10)).length, 3);
    },
  );

  test("commit() refuses changes that write about another station", async ({ store }) => {
    await assertRejects(
      () =>
        store().commit({ chargePointId: "CP-1", statusHistory: [statusEntry({ chargePointId: "CP-2" })] }),
      Error,
      'Cannot commit the changes of "CP-1": they write about "CP-2"',
    );
  });

  test("newTransactionId() hands out distinct positive 32-bit ids, also concurrently", async ({ store }) => {
    const ids = await Promise.all(Array.from({ length: 250 }, () => store().newTransactionId()));
    assertEquals(new Set(ids).size, 250);
    for (const id of ids) assert(Number.isInteger(id) && id > 0 && id < 2 ** 31, `Unexpected id ${id}`);
    assertGreater(await store().newTransactionId(), 0);
  });
}
