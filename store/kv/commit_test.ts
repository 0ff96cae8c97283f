import { assertEquals } from "@std/assert";
import { at, chargePoint, meterRow, startInput, stopInput } from "../contract/harness.ts";
import { type SeenAtomic, withAtomics, withGetMany } from "../../tests/helpers/kv.ts";
import { KvStore, openKvHandle } from "./mod.ts";

/** A store whose committed atomics (checks and mutations by key kind) the test reads after `run`. */
async function atomicsOf(run: (store: KvStore, seen: SeenAtomic[]) => Promise<void>): Promise<void> {
  const kv = await openKvHandle(":memory:");
  const seen: SeenAtomic[] = [];
  const store = new KvStore(withAtomics(kv, (a) => seen.push(a)), { closeHandle: false });
  try {
    await run(store, seen);
  } finally {
    await store.close();
    kv.close();
  }
}

const kinds = (keys: Deno.KvKey[]) => keys.map((k) => String(k[0])).sort();

Deno.test("a start's commit checks its replay key and connector pointer, not its transaction's key (the id is ours, never handed out twice)", async () => {
  await atomicsOf(async (store, seen) => {
    await store.newTransactionId(); // the id block's own atomic, out of the way
    seen.length = 0;
    const started = await store.startTransaction(startInput());
    const commits = seen.filter((a) => a.mutations.some((m) => m.key[0] === "tx"));
    assertEquals(commits.length, 1);
    assertEquals(kinds(commits[0]!.checks), ["tx_open", "tx_start"]);
    assertEquals(await store.getTransaction(started.transaction.transactionId), started.transaction);
    // A replay stores nothing new, a second start on the connector supersedes the first.
    assertEquals((await store.startTransaction(startInput())).transaction, started.transaction);
    const next = await store.startTransaction(startInput({ meterStart: 2000, timestamp: at(11) }));
    assertEquals(next.superseded.map((t) => t.transactionId), [started.transaction.transactionId]);
    assertEquals((await store.stopTransaction(stopInput(next.transaction.transactionId))).outcome, "stopped");
  });
});

Deno.test("a stop's commit deletes its connector's pointer without reading or checking it (only the atomic ending the transaction clears it)", async () => {
  await atomicsOf(async (store, seen) => {
    const started = await store.startTransaction(startInput());
    seen.length = 0;
    const stopped = await store.stopTransaction(stopInput(started.transaction.transactionId));
    assertEquals(stopped.outcome, "stopped");
    const commits = seen.filter((a) => a.mutations.some((m) => m.key[0] === "tx"));
    assertEquals(commits.length, 1);
    assertEquals(kinds(commits[0]!.checks), ["tx"]);
    assertEquals(
      commits[0]!.mutations.filter((m) => m.key[0] === "tx_open"),
      [{ type: "delete", key: ["tx_open", "CP-1", 1] }],
    );
    assertEquals(await store.findActiveTransactionsOn("CP-1", 1), []);
    // The connector is free again: a new start supersedes nothing.
    const next = await store.startTransaction(startInput({ meterStart: 5000, timestamp: at(50) }));
    assertEquals(next.superseded, []);
    assertEquals((await store.findActiveTransactionsOn("CP-1", 1)).map((t) => t.transactionId), [
      next.transaction.transactionId,
    ]);
  });
});

Deno.test("a station's snapshot patch plans against the record its last commit wrote (checked), reading nothing", async () => {
  const kv = await openKvHandle(":memory:");
  const readKinds: string[] = [];
  const seen: SeenAtomic[] = [];
  const counted = withGetMany(kv, (keys, read) => {
    for (const key of keys) readKinds.push(String(key[0]));
    return read();
  });
  const store = new KvStore(withAtomics(counted, (a) => seen.push(a)), { closeHandle: false });
  try {
    await store.commit({ chargePointId: "CP-1", snapshot: { diagnosticsStatus: "Idle" } });
    assertEquals(readKinds, ["cp"]);
    readKinds.length = 0;
    seen.length = 0;
    await store.commit({ chargePointId: "CP-1", snapshot: { firmwareStatus: "Installed" } });
    assertEquals(readKinds, []);
    assertEquals(kinds(seen.flatMap((a) => a.checks)), ["cp"]);
    const stored = await store.getChargePoint("CP-1");
    assertEquals([stored?.diagnosticsStatus, stored?.firmwareStatus], ["Idle", "Installed"]);
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("a remembered station record another writer changed meanwhile is read again: every writer's fields survive", async () => {
  const kv = await openKvHandle(":memory:");
  const first = new KvStore(kv, { closeHandle: false });
  const second = new KvStore(kv, { closeHandle: false });
  try {
    await first.commit({ chargePointId: "CP-1", snapshot: { diagnosticsStatus: "Idle" } });
    // Another process patches the record, then this one patches it again from what it remembers.
    await second.commit({ chargePointId: "CP-1", snapshot: { firmwareStatus: "Installed" } });
    assertEquals((await first.commit({ chargePointId: "CP-1", snapshot: { localListVersion: 3 } })).ok, true);
    let stored = await first.getChargePoint("CP-1");
    assertEquals([stored?.diagnosticsStatus, stored?.firmwareStatus, stored?.localListVersion], [
      "Idle",
      "Installed",
      3,
    ]);
    // A write outside the group commit (an import) is not remembered either: the next patch builds on it.
    await first.putChargePoint(chargePoint("CP-1", { diagnosticsStatus: "Uploaded", localListVersion: 9 }));
    await first.commit({ chargePointId: "CP-1", snapshot: { firmwareStatus: "Downloaded" } });
    stored = await first.getChargePoint("CP-1");
    assertEquals([stored?.diagnosticsStatus, stored?.firmwareStatus, stored?.localListVersion], [
      "Uploaded",
      "Downloaded",
      9,
    ]);
  } finally {
    await first.close();
    await second.close();
    kv.close();
  }
});

/** `n` meter values of one station at distinct times: more than one atomic holds. */
const manyReadings = (chargePointId: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      meterRow({
        chargePointId,
        timestamp: new Date(Date.parse(at(0)) + i * 1000).toISOString(),
        value: `${i}`,
      }),
  );

Deno.test("a station's write too large for one atomic does not hold other stations' writes: theirs are answered first, its own next one after it", async () => {
  const kv = await openKvHandle(":memory:");
  const store = new KvStore(kv);
  try {
    const answered: string[] = [];
    const note = <T>(what: string) => (r: T): T => (answered.push(what), r);
    const large = store.commit({ chargePointId: "CP-BIG", meterValues: manyReadings("CP-BIG", 6000) })
      .then(note("large"));
    // The same station again, as a tool writing beside its actor would: it must not pass its first write.
    const sameStation = store.commit({ chargePointId: "CP-BIG", lastSeen: at(30) }).then(
      note("same station"),
    );
    await new Promise((r) => setTimeout(r, 0));
    const other = store.commit({ chargePointId: "CP-OTHER", lastSeen: at(30) }).then(note("other"));
    const [bigResult] = await Promise.all([large, sameStation, other]);
    assertEquals(answered, ["other", "large", "same station"]);
    assertEquals(bigResult.ok && bigResult.meterValuesAdded, 6000);
    assertEquals((await store.listMeterValuesByChargePoint("CP-BIG", 10_000)).length, 6000);
  } finally {
    await store.close();
  }
});

Deno.test("a new write too large for one atomic reads none of its meter values (their groups are checked absent in its atomics); its replay reads them and stores nothing", async () => {
  const kv = await openKvHandle(":memory:");
  let meterKeysRead = 0;
  const counting = withGetMany(kv, (keys, read) => {
    meterKeysRead += keys.filter((k) => String(k[0]).startsWith("mv")).length;
    return read();
  });
  const store = new KvStore(counting, { closeHandle: false });
  try {
    const readings = manyReadings("CP-BIG", 3000);
    assertEquals(await store.commit({ chargePointId: "CP-BIG", meterValues: readings }), {
      ok: true,
      meterValuesAdded: 3000,
    });
    assertEquals(meterKeysRead, 0);
    assertEquals(await store.commit({ chargePointId: "CP-BIG", meterValues: readings }), {
      ok: true,
      meterValuesAdded: 0,
    });
    // Every group's key and every value's own key.
    assertEquals(meterKeysRead, 2 * 3000);
    assertEquals((await store.listMeterValuesByChargePoint("CP-BIG", 10_000)).length, 3000);
  } finally {
    await store.close();
    kv.close();
  }
});
