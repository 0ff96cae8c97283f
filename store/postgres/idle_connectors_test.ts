/**
 * IdleConnectors, and the PostgreSQL store that answers a start's "active transactions on this connector"
 * from it: a start on a connector another node started on meanwhile still supersedes that transaction.
 */
import { openPostgresPool } from "../../postgres_pool.ts";
import { assert, assertEquals } from "@std/assert";
import type { StationChanges } from "../../model/changes.ts";
import { startedTransaction, type TransactionRecord } from "../../model/transaction.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { at, chargePoint, startInput, stopInput } from "../contract/harness.ts";
import { IdleConnectors } from "./idle_connectors.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL idle connector tests");

function transaction(connectorId: number, status: TransactionRecord["status"]): TransactionRecord {
  return { ...startedTransaction(startInput({ connectorId }), 7), status };
}

Deno.test("IdleConnectors: a committed stop leaves its connector idle, a committed start does not", () => {
  const idle = new IdleConnectors();
  const stop: StationChanges = {
    chargePointId: "CP-1",
    transactionUpdates: [{ transaction: transaction(1, "finished"), expectedStatus: "active" }],
  };
  idle.committed([stop]);
  assert(idle.isIdle("CP-1", 1));
  assert(!idle.isIdle("CP-1", 2));
  idle.committed([{ chargePointId: "CP-1", transactionsStarted: [transaction(1, "active")] }]);
  assert(!idle.isIdle("CP-1", 1));
  // A start that supersedes on its own connector leaves it busy.
  idle.sawIdle("CP-1", 2);
  idle.committed([{
    chargePointId: "CP-1",
    transactionsStarted: [transaction(2, "active")],
    transactionUpdates: [{ transaction: transaction(2, "superseded"), expectedStatus: "active" }],
  }]);
  assert(!idle.isIdle("CP-1", 2));
});

Deno.test("IdleConnectors: forget() drops every connector of the station; the oldest station goes past capacity", () => {
  const idle = new IdleConnectors(2);
  idle.sawIdle("CP-1", 1);
  idle.sawIdle("CP-1", 2);
  idle.sawIdle("CP-2", 1);
  idle.forget([{ chargePointId: "CP-1" }]);
  assertEquals([idle.isIdle("CP-1", 1), idle.isIdle("CP-1", 2), idle.isIdle("CP-2", 1)], [
    false,
    false,
    true,
  ]);
  idle.sawIdle("CP-3", 1);
  idle.sawIdle("CP-4", 1);
  assertEquals([idle.isIdle("CP-2", 1), idle.isIdle("CP-3", 1), idle.isIdle("CP-4", 1)], [false, true, true]);
});

Deno.test({
  name: "a start on a connector this store recalls idle supersedes what another node started there meanwhile",
  ignore,
  fn: async () => {
    const db = await migratedDatabase();
    const observer = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    const a = await openPostgresStore(db.url);
    const b = await openPostgresStore(db.url);
    try {
      await a.putChargePoint(chargePoint("CP-1"));
      const first = await a.startTransaction(startInput({ timestamp: at(1) }));
      await a.stopTransaction(stopInput(first.transaction.transactionId, { timestamp: at(2) }));
      // Node A recalls connector 1 idle after its stop; node B starts there.
      const elsewhere = await b.startTransaction(startInput({ idTag: "TAG-B", timestamp: at(3) }));
      assertEquals(await a.decisionLookups.findActiveTransactionsOn("CP-1", 1), []); // recalled, not read
      // The store's own method (the API's) reads.
      assertEquals(
        (await a.findActiveTransactionsOn("CP-1", 1)).map((t) => t.transactionId),
        [elsewhere.transaction.transactionId],
      );
      const next = await a.startTransaction(startInput({ idTag: "TAG-A", timestamp: at(4) }));
      assertEquals(next.superseded.map((t) => t.transactionId), [elsewhere.transaction.transactionId]);
      const open = await observer<{ transaction_id: number }[]>`
        select transaction_id from open_transactions where charge_point_id = 'CP-1'`;
      assertEquals(open.map((r) => r.transaction_id), [next.transaction.transactionId]);
      assertEquals((await a.getTransaction(elsewhere.transaction.transactionId))?.status, "superseded");
      // A replay of the first start on a connector recalled idle: its insert meets the replay key, and the start
      // is decided again from reads: the same transaction, nothing new stored.
      await a.stopTransaction(stopInput(next.transaction.transactionId, { timestamp: at(5) }));
      const replay = await a.startTransaction(startInput({ timestamp: at(1) }));
      assertEquals([replay.replayed, replay.transaction.transactionId], [
        true,
        first.transaction.transactionId,
      ]);
      const [count] = await observer<{ n: number }[]>`select count(*)::int as n from transactions`;
      assertEquals(count?.n, 3);
      // The conflicts made A read again: it no longer answers from its recall.
      await b.startTransaction(startInput({ idTag: "TAG-B", timestamp: at(6) }));
      assertEquals((await a.decisionLookups.findActiveTransactionsOn("CP-1", 1)).map((t) => t.idTag), [
        "TAG-B",
      ]);
    } finally {
      await a.close();
      await b.close();
      await observer.end();
      await db.drop();
    }
  },
});
