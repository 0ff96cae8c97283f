import { assert, assertEquals } from "@std/assert";
import type { TransactionRecord } from "../../model/transaction.ts";
import { at, startInput, stopInput } from "../contract/harness.ts";
import { decideTransactionEvent } from "../../model/transaction_event.ts";
import { transactionEvent } from "../contract/ocpp201.ts";
import { KvStore, openKvHandle, openKvStore } from "./mod.ts";
import { withCountedLists } from "../../tests/helpers/kv.ts";

/** 200 finished transactions of CP-1 (minutes 0-199), then one running on connector 2 (minute 500). */
async function withHistory(store: KvStore): Promise<TransactionRecord> {
  for (let i = 0; i < 200; i++) {
    const { transaction } = await store.startTransaction(startInput({ meterStart: i, timestamp: at(i) }));
    await store.stopTransaction(stopInput(transaction.transactionId, { timestamp: at(i + 0.5) }));
  }
  return (await store.startTransaction(startInput({ connectorId: 2, timestamp: at(500) }))).transaction;
}

Deno.test("KV: a station's active transactions are listed from its open pointers, not its history", async () => {
  const listed = { entries: 0 };
  const store = new KvStore(withCountedLists(await openKvHandle(":memory:"), listed));
  try {
    const running = await withHistory(store);
    listed.entries = 0;
    const active = await store.listTransactions({ chargePointId: "CP-1", status: "active", limit: 50 });
    assertEquals(active.map((t) => t.transactionId), [running.transactionId]);
    assertEquals(listed.entries, 1);
  } finally {
    await store.close();
  }
});

Deno.test("KV: transactions started after a time are listed from their start time pointers, not every transaction", async () => {
  const listed = { entries: 0 };
  const store = new KvStore(withCountedLists(await openKvHandle(":memory:"), listed));
  try {
    const today = await withHistory(store);
    listed.entries = 0;
    const started = await store.listTransactions({ from: at(400), limit: 1000 });
    assertEquals(started.map((t) => t.transactionId), [today.transactionId]);
    assertEquals(listed.entries, 1);
  } finally {
    await store.close();
  }
});

Deno.test("KV: a file written before start time pointers gets them once, when opened", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const before = await openKvStore(path);
    const { transaction } = await before.startTransaction(startInput({ timestamp: at(30) }));
    await before.close();
    // As a binary before the pointers left it: the transaction without its pointer, no marker.
    const raw = await openKvHandle(path);
    await raw.delete(["tx_t", at(30), transaction.transactionId]);
    await raw.delete(["meta", "tx_time_keys"]);
    raw.close();
    const after = await openKvStore(path);
    try {
      assertEquals((await after.listTransactions({ from: at(20), limit: 10 })).map((t) => t.transactionId), [
        transaction.transactionId,
      ]);
    } finally {
      await after.close();
    }
    const check = await openKvHandle(path);
    assertEquals((await check.get(["meta", "tx_time_keys"])).value, true);
    check.close();
  } finally {
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("KV: a start time pointer left behind (a start moved while the file was indexed) lists its transaction once", async () => {
  const kv = await openKvHandle(":memory:");
  const store = new KvStore(kv);
  try {
    const { transaction } = await store.startTransaction(startInput({ timestamp: at(30) }));
    await kv.set(["tx_t", at(25), transaction.transactionId], transaction.transactionId);
    const listed = await store.listTransactions({ from: at(20), limit: 10 });
    assertEquals(listed.map((t) => t.transactionId), [transaction.transactionId]);
  } finally {
    await store.close();
  }
});

Deno.test("KV: a 2.0.1 transaction's replay key left by an older version is not taken for a 1.6 start's replay", async () => {
  // Before 2.0.1 transactions were told apart by the station's id only, KV wrote 1.6's replay key for them
  // too; such a file keeps it. A 1.6 start alike (the station downgraded, no clock, no idTag, meter 0) is a
  // new transaction, not a replay of that one: it gets its own id, and its replay still gets that id.
  const kv = await openKvHandle(":memory:");
  const store = new KvStore(kv);
  try {
    const started = transactionEvent({ eventType: "Started", evseId: 1, timestamp: at(1) });
    const decided = await decideTransactionEvent(started, store);
    assertEquals((await store.commit({ chargePointId: "CP-1", ...decided.changes })).ok, true);
    const tx201 = decided.outcome.transaction!;
    const ended = await decideTransactionEvent(
      transactionEvent({ eventType: "Ended", seqNo: 1, timestamp: at(2) }),
      store,
    );
    assertEquals((await store.commit({ chargePointId: "CP-1", ...ended.changes })).ok, true);
    // As the older version wrote it with the transaction.
    const oldKey = ["tx_start", "CP-1", 1, tx201.idTag, tx201.meterStart, tx201.startTimestamp];
    await kv.set(oldKey, tx201.transactionId);

    const alike = startInput({
      idTag: tx201.idTag,
      meterStart: tx201.meterStart,
      timestamp: tx201.startTimestamp,
    });
    const first = await store.startTransaction(alike);
    assertEquals(first.replayed, false, "a new 1.6 transaction, not the 2.0.1 one");
    assert(first.transaction.transactionId !== tx201.transactionId);
    assertEquals(first.transaction.stationTransactionId, undefined);
    const replay = await store.startTransaction({ ...alike, receivedAt: at(30) });
    assertEquals([replay.replayed, replay.transaction.transactionId], [
      true,
      first.transaction.transactionId,
    ]);
  } finally {
    await store.close();
  }
});

Deno.test("KV: a transaction stored before the plausibility check is judged on read, as PostgreSQL judges its rows", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const before = await openKvStore(path);
    const stopped = async (connectorId: number) => {
      const { transaction } = await before.startTransaction(startInput({ connectorId }));
      return (await before.stopTransaction(stopInput(transaction.transactionId))).transaction!;
    };
    const leaping = await stopped(1);
    const plausible = await stopped(2);
    await before.close();
    // As a binary before the check wrote them: the energy the difference of the readings, whatever they are.
    const raw = await openKvHandle(path);
    const { energyImplausible: _none, ...shape } = leaping;
    await raw.set(["tx", leaping.transactionId], {
      ...shape,
      meterStop: 1_000_001_000,
      energyWh: 1_000_000_000,
    });
    raw.close();
    const after = await openKvStore(path);
    try {
      const judged = { energyWh: null, energyImplausible: { reason: "above_max_power", maxWh: 7_500_000 } };
      const energyOf = (t: TransactionRecord | null | undefined) => ({
        energyWh: t?.energyWh,
        energyImplausible: t?.energyImplausible,
      });
      assertEquals(energyOf(await after.getTransaction(leaping.transactionId)), judged);
      for (
        const filter of [{ limit: 10 }, { chargePointId: "CP-1", limit: 10 }, { from: at(0), limit: 10 }]
      ) {
        const listed = await after.listTransactions(filter);
        assertEquals(listed.map(energyOf), [{ energyWh: 3500, energyImplausible: undefined }, judged]);
      }
      assertEquals(await after.getTransaction(plausible.transactionId), plausible);
    } finally {
      await after.close();
    }
  } finally {
    await Deno.remove(path);
  }
});
