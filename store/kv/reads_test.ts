import { assertEquals } from "@std/assert";
import { KvStore, openKvHandle } from "./mod.ts";
import { KvReads } from "./reads.ts";
import { withGetMany } from "../../tests/helpers/kv.ts";
import { KvEnergyStore } from "./energy.ts";
import { KvLocalListStore } from "./local_lists.ts";
import { KvStationSecurityStore } from "./station_security.ts";

const START = {
  connectorId: 1,
  idTag: "TAG-1",
  idTagStatus: "Accepted" as const,
  reservationId: null,
  receivedAt: "2024-05-01T10:00:00.000Z",
};

Deno.test("KvReads.get() of one tick is one getMany per ten keys, each answer its own key's, a getMany never split", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    for (let i = 0; i < 25; i++) await kv.set(["idtag", `T-${i}`], i);
    const calls: number[] = [];
    const counting = withGetMany(kv, (keys, read) => {
      calls.push(keys.length);
      return read();
    });
    const reads = new KvReads(counting);
    const entries = await Promise.all(
      Array.from({ length: 25 }, (_, i) => reads.get<number>(["idtag", `T-${i}`])),
    );
    assertEquals(entries.map((e) => e.value), Array.from({ length: 25 }, (_, i) => i));
    assertEquals(calls, [10, 10, 5]);
    assertEquals((await reads.get(["idtag", "none"])).versionstamp, null);
    // The keys of one getMany stay in one read (one snapshot): nine single keys, then a pair.
    calls.length = 0;
    const singles = Array.from({ length: 9 }, (_, i) => reads.get<number>(["idtag", `T-${i}`]));
    const pair = reads.getMany<number>([["idtag", "T-20"], ["idtag", "T-21"]]);
    assertEquals((await pair).map((e) => e.value), [20, 21]);
    assertEquals((await Promise.all(singles)).map((e) => e.value), Array.from({ length: 9 }, (_, i) => i));
    assertEquals(calls, [9, 2]);
  } finally {
    kv.close();
  }
});

Deno.test("a stop planned against a remembered connector pointer another process changed leaves no active pointer behind", async () => {
  const kv = await openKvHandle(":memory:");
  const first = new KvStore(kv, { closeHandle: false });
  const second = new KvStore(kv, { closeHandle: false });
  try {
    // The first process remembers connector 1 of CP-1 as free ...
    assertEquals(await first.findActiveTransactionsOn("CP-1", 1), []);
    // ... then the second starts a transaction on it,
    const started = await second.startTransaction({
      ...START,
      chargePointId: "CP-1",
      meterStart: 0,
      timestamp: "2024-05-01T10:00:00.000Z",
    });
    // and the first stops that transaction (it reads the transaction itself, not the pointer).
    const stopped = await first.stopTransaction({
      chargePointId: "CP-1",
      transactionId: started.transaction.transactionId,
      idTag: null,
      idTagStatus: null,
      meterStop: 100,
      timestamp: "2024-05-01T11:00:00.000Z",
      reason: null,
      transactionData: null,
      receivedAt: "2024-05-01T11:00:00.000Z",
    });
    assertEquals(stopped.outcome, "stopped");
    // The connector is free: a new start on it supersedes nothing and conflicts with nothing.
    assertEquals(await second.findActiveTransactionsOn("CP-1", 1), []);
    const next = await second.startTransaction({
      ...START,
      chargePointId: "CP-1",
      meterStart: 100,
      timestamp: "2024-05-01T12:00:00.000Z",
    });
    assertEquals(next.superseded, []);
    assertEquals((await kv.get(["tx_open", "CP-1", 1])).value, next.transaction.transactionId);
  } finally {
    await first.close();
    await second.close();
    kv.close();
  }
});

Deno.test("a replayed start the other process stored after we remembered its key absent creates nothing", async () => {
  const kv = await openKvHandle(":memory:");
  const first = new KvStore(kv, { closeHandle: false });
  const second = new KvStore(kv, { closeHandle: false });
  const input = { ...START, chargePointId: "CP-2", meterStart: 5, timestamp: "2024-05-01T10:00:00.000Z" };
  try {
    assertEquals(await first.findTransactionByStart(input), null);
    const original = await second.startTransaction(input);
    // A commit planned on what the first remembered (the replay key absent): the atomic's check refuses it.
    const id = await first.newTransactionId();
    const result = await first.commit({
      chargePointId: "CP-2",
      transactionsStarted: [{ ...original.transaction, transactionId: id }],
    });
    assertEquals(result.ok, false);
    assertEquals((await first.listTransactions({ limit: 10 })).map((t) => t.transactionId), [
      original.transaction.transactionId,
    ]);
  } finally {
    await first.close();
    await second.close();
    kv.close();
  }
});

Deno.test("a boot burst's point reads of other parts (site, profile support, security record, local list version) share one getMany per tick", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    await kv.set(["site_cp", "CP-3"], "depot");
    const calls: string[] = [];
    const counting = new Proxy(kv, {
      get(target, name) {
        const value = Reflect.get(target, name);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return value.apply(target, args);
        };
      },
    });
    const energy = new KvEnergyStore(counting);
    const security = new KvStationSecurityStore(counting);
    const lists = new KvLocalListStore(counting);
    const ids = ["CP-1", "CP-2", "CP-3"];
    const [sites, supports, records, version] = await Promise.all([
      Promise.all(ids.map((id) => energy.siteOfChargePoint(id))),
      Promise.all(ids.map((id) => energy.getChargingProfileSupport(id))),
      Promise.all(ids.map((id) => security.get(id))),
      lists.currentVersion(),
    ]);
    assertEquals([sites, supports, records, version], [
      [null, null, "depot"],
      [null, null, null],
      [null, null, null],
      0,
    ]);
    assertEquals(calls, ["getMany"]);
  } finally {
    kv.close();
  }
});

Deno.test("reads asked while a getMany is out wait for it and go out together, each as fresh as when asked", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    await kv.set(["idtag", "A"], 1);
    const calls: Deno.KvKey[][] = [];
    let release!: () => void;
    let gate: Promise<void> | null = new Promise((r) => (release = r));
    const counting = withGetMany(kv, async (keys, read) => {
      calls.push(keys);
      const entries = await read();
      if (gate) await gate;
      return entries;
    });
    const reads = new KvReads(counting);
    const other = new KvReads(counting);
    const first = reads.get<number>(["idtag", "A"]);
    await new Promise((r) => setTimeout(r, 5));
    assertEquals(calls.length, 1);
    // Asked while the first call is out: written after the first call read, so they must see the new value.
    await kv.set(["idtag", "A"], 2);
    const second = reads.get<number>(["idtag", "A"]);
    const third = other.get<number>(["idtag", "B"]);
    await new Promise((r) => setTimeout(r, 5));
    assertEquals(calls.length, 1);
    gate = null;
    release();
    assertEquals((await first).value, 1);
    assertEquals((await second).value, 2);
    assertEquals((await third).value, null);
    assertEquals(calls, [[["idtag", "A"]], [["idtag", "A"], ["idtag", "B"]]]);
  } finally {
    kv.close();
  }
});
