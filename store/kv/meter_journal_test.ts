import { assertEquals, assertRejects } from "@std/assert";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { at, meterRow } from "../contract/harness.ts";
import { drainMeterJournals, type MeterJournalOptions } from "./meter_journal.ts";
import { KvStore, type KvStoreOptions, openKvHandle, openKvStore } from "./mod.ts";
import { KvRetentionStore } from "./retention.ts";
import { emptyRecord } from "../../model/charge_point.ts";

/** One `meterValue` element of a frame: four sampled values of one time. */
function frame(timestamp: string, transactionId: number | null = 7, chargePointId = "CP-1"): MeterValueRow[] {
  return ["Energy.Active.Import.Register", "Power.Active.Import", "Voltage", "Current.Import"].map((
    measurand,
    i,
  ) => meterRow({ chargePointId, timestamp, transactionId, measurand, value: String(1000 + i) }));
}

async function count(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

const counts = async (kv: Deno.Kv) => ({
  journal: await count(kv, "mv_j"),
  groups: await count(kv, "mv_cp"),
  byTransaction: await count(kv, "mv_tx"),
  byArrival: await count(kv, "mv_rx"),
  alone: await count(kv, "mv"),
});

/** A journaled store on `kv` whose applier only runs when the test drains it (every commit journals). */
function journaled(kv: Deno.Kv, options: MeterJournalOptions = {}, store: KvStoreOptions = {}): KvStore {
  return new KvStore(kv, {
    ...store,
    closeHandle: false,
    meterJournal: { intervalMs: 3_600_000, ...options },
  });
}

/**
 * What a process killed before its applier finished leaves on `kv`: the journal entry of `rows` (journaled by
 * a store now closed), with its group already in the station's list (`applied`: killed between the applier's
 * two atomics) or not (killed before it ran). Returns the entry.
 */
async function leftoverEntry(
  kv: Deno.Kv,
  rows: MeterValueRow[],
  applied: boolean,
): Promise<Deno.KvEntry<unknown>> {
  const first = journaled(kv);
  await first.addMeterValues(rows);
  const [entry] = await Array.fromAsync(kv.list({ prefix: ["mv_j"] }));
  await first.close();
  const leave = kv.atomic().set(entry!.key, entry!.value);
  if (!applied) {
    for (const prefix of ["mv_cp", "mv_tx", "mv_rx"]) {
      for await (const group of kv.list({ prefix: [prefix] })) leave.delete(group.key);
    }
  }
  await leave.commit();
  return entry!;
}

/** Runs `run` with a `:memory:` handle and a journaled store on it (`journaled`), then closes both. */
async function withJournaled(
  run: (kv: Deno.Kv, store: KvStore) => Promise<void>,
  options: MeterJournalOptions = {},
  storeOptions: KvStoreOptions = {},
): Promise<void> {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv, options, storeOptions);
  try {
    await run(kv, store);
  } finally {
    await store.close();
    kv.close();
  }
}

Deno.test("a MeterValues group is journaled, applied into the station's list on drain; a replay before and after stores nothing new", () =>
  withJournaled(async (kv, store) => {
    const rows = frame(at(10));
    assertEquals(await store.addMeterValues(rows), 4);
    assertEquals(await counts(kv), { journal: 1, groups: 0, byTransaction: 0, byArrival: 0, alone: 0 });
    // Replayed while still in the journal: found by the in-memory index.
    assertEquals(await store.addMeterValues(rows), 0);
    assertEquals(await store.addMeterValues(rows.slice(1, 3)), 0);
    assertEquals(await counts(kv), { journal: 1, groups: 0, byTransaction: 0, byArrival: 0, alone: 0 });
    await drainMeterJournals(kv);
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
    // Replayed after the apply: found by the group's absent-check, as without a journal.
    assertEquals(await store.addMeterValues(rows), 0);
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
    assertEquals(await store.listMeterValuesByTransaction(7), rows);
  }));

Deno.test("a frame overlapping a journaled group partly stores only its new values, reading after the journal is applied", () =>
  withJournaled(async (_kv, store) => {
    const rows = frame(at(10));
    assertEquals(await store.addMeterValues(rows.slice(0, 3)), 3);
    assertEquals(await store.addMeterValues(rows.slice(1)), 1);
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 10), [
      rows[3],
      ...rows.slice(0, 3).reverse(),
    ]);
    assertEquals(await store.addMeterValues(rows), 0);
  }));

Deno.test("reads right after the answer see the journaled values (the journal is applied first)", () =>
  withJournaled(async (_kv, store) => {
    const first = frame(at(10));
    const second = frame(at(11));
    await store.addMeterValues(first);
    assertEquals(await store.listMeterValuesByTransaction(7), first);
    await store.addMeterValues(second);
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 100), [...first, ...second].reverse());
    assertEquals(await store.listMeterValuesByTransaction(7), [...first, ...second]);
    // By arrival too (the applier wrote the arrival index): both frames share their receivedAt.
    const since = await store.pageMeterValuesReceivedSince(7, { since: second[0]!.receivedAt, limit: 100 });
    assertEquals(since.items, [...first, ...second]);
  }));

Deno.test("retention sees journaled values (the journals on its handle are applied first)", () =>
  withJournaled(async (kv, store) => {
    await store.putChargePoint(emptyRecord("CP-1", new Date()));
    const t = (d: number) => new Date(Date.UTC(2020, 0, d)).toISOString();
    assertEquals(await store.addMeterValues(frame(t(1))), 4);
    assertEquals(await new KvRetentionStore(kv).pruneMeterValues(t(10), 100), 4);
    assertEquals(await counts(kv), { journal: 0, groups: 0, byTransaction: 0, byArrival: 0, alone: 0 });
  }));

Deno.test("the applier runs by itself after its interval, and closing the store applies what is left", async () => {
  const kv = await openKvHandle(":memory:");
  const quick = new KvStore(kv, { closeHandle: false, meterJournal: { intervalMs: 20 } });
  try {
    await quick.addMeterValues(frame(at(10)));
    assertEquals((await counts(kv)).journal, 1);
    for (let i = 0; i < 100 && (await counts(kv)).journal > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
  } finally {
    await quick.close();
  }
  const store = journaled(kv);
  await store.addMeterValues(frame(at(11)));
  await store.close();
  assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
  kv.close();
});

Deno.test("a journal entry whose group another writer stored meanwhile is stored the slow way, never dropped", () =>
  withJournaled(async (kv, store) => {
    // Another process on the same file, writing the stations' lists directly.
    const other = new KvStore(kv, { closeHandle: false });
    try {
      const rows = frame(at(10));
      assertEquals(await store.addMeterValues(rows.slice(0, 3)), 3);
      assertEquals(await other.addMeterValues(rows.slice(1)), 3);
      await drainMeterJournals(kv);
      // The journaled group's value the other group lacks is stored alone; the rest once.
      assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, byArrival: 2, alone: 1 });
      const listed = await store.listMeterValuesByTransaction(7);
      assertEquals(listed.map((r) => r.measurand).sort(), rows.map((r) => r.measurand).sort());
    } finally {
      await other.close();
    }
  }));

/** A handle whose listings of the journal are held back until `hold` has run (a stale listing). */
function staleJournalListing(kv: Deno.Kv, hold: () => Promise<void>): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      if (name === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
          const inner = target.list(selector, options);
          if (!("prefix" in selector) || selector.prefix[0] !== "mv_j") return inner;
          return (async function* () {
            const listed = [];
            for await (const e of inner) listed.push(e);
            await hold();
            yield* listed;
          })();
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("an applier with a stale listing never applies an entry another applier took (each entry's versionstamp is checked)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_journal_test_" });
  const path = `${dir}/store.kv`;
  const kv = await openKvHandle(path);
  const store = journaled(kv);
  const second = await openKvHandle(path);
  let held = false;
  // A CLI task on the same file applies the journal too; before its atomics run, this process applies it and
  // retention prunes one station's group.
  const stale = staleJournalListing(second, async () => {
    if (held) return;
    held = true;
    await drainMeterJournals(kv);
    const seq = await txSeq(kv);
    assertEquals(typeof seq, "string", "this process applied CP-A's group");
    const prune = kv.atomic().delete(["mv_cp", "CP-A", at(10), 1]).delete(["mv_tx", 7, at(10), seq!]);
    for await (const e of kv.list<Deno.KvKey>({ prefix: ["mv_rx", 7] })) {
      if (e.value[1] === "CP-A") prune.delete(e.key);
    }
    await prune.commit();
  });
  const task = new KvStore(stale, { closeHandle: false, meterJournal: { intervalMs: 3_600_000 } });
  try {
    for (const cp of ["CP-A", "CP-B", "CP-C"]) {
      assertEquals(await store.addMeterValues(frame(at(10), 7, cp)), 4);
    }
    assertEquals((await counts(kv)).journal, 3);
    await drainMeterJournals(stale);
    // CP-A's group stays pruned: the stale entry was not applied again.
    assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
    assertEquals(await store.listMeterValuesByChargePoint("CP-A", 10), []);
    assertEquals((await store.listMeterValuesByChargePoint("CP-B", 10)).length, 4);
  } finally {
    await task.close();
    await store.close();
    second.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The seq of CP-A's pointer by transaction. */
async function txSeq(kv: Deno.Kv): Promise<string | undefined> {
  for await (const e of kv.list<Deno.KvKey>({ prefix: ["mv_tx", 7] })) {
    if (e.value[1] === "CP-A") return e.key[3] as string;
  }
}

Deno.test("without a path (Deno Deploy) the station's list is written at once, as before; with one, the journal is on", async () => {
  const kv = await openKvHandle(":memory:");
  const deployLike = new KvStore(kv, { closeHandle: false });
  try {
    assertEquals(await deployLike.addMeterValues(frame(at(10))), 4);
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
  } finally {
    await deployLike.close();
    kv.close();
  }
  const local = await openKvStore(":memory:");
  try {
    assertEquals(await local.addMeterValues(frame(at(10))), 4);
    // Not applied yet (its applier waits ~1.5 s): the entry is in the journal, and a read applies it.
    assertEquals(await local.listMeterValuesByTransaction(7), frame(at(10)));
  } finally {
    await local.close();
  }
});

Deno.test("leftover journal entries (a crash) are applied before the first commit of the next open", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const rows = frame(at(10));
    // What a process killed before its applier ran leaves: an entry, no group.
    const entry = await leftoverEntry(kv, rows, false);
    assertEquals(await counts(kv), { journal: 1, groups: 0, byTransaction: 0, byArrival: 0, alone: 0 });
    const next = journaled(kv);
    try {
      // The replay meets the applied group: nothing new.
      assertEquals(await next.addMeterValues(rows), 0);
      assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
      // New entries are numbered after the last one left.
      await next.addMeterValues(frame(at(11)));
      const [newer] = await Array.fromAsync(kv.list({ prefix: ["mv_j"] }));
      assertEquals((newer!.key[1] as number) > (entry.key[1] as number), true);
    } finally {
      await next.close();
    }
  } finally {
    kv.close();
  }
});

Deno.test("a closed store refuses commits and its journal no longer runs", async () => {
  const store = await openKvStore(":memory:");
  await store.addMeterValues(frame(at(10)));
  await store.close();
  await assertRejects(() => store.addMeterValues(frame(at(11))), Error, "closed");
});

Deno.test("a journal of many stations is applied in atomics within KV's limits (100 checks each)", () =>
  withJournaled(async (kv, store) => {
    const commits = [];
    for (let s = 0; s < 150; s++) {
      for (const minute of [10, 11]) commits.push(store.addMeterValues(frame(at(minute), s, `CP-${s}`)));
    }
    assertEquals((await Promise.all(commits)).reduce((a, b) => a + b, 0), 1200);
    assertEquals((await counts(kv)).journal, 300);
    await drainMeterJournals(kv);
    assertEquals(await counts(kv), { journal: 0, groups: 300, byTransaction: 300, byArrival: 300, alone: 0 });
  }));

/** A handle that counts its atomics in flight; each commit holds its slot a few ms longer (a busy loop). */
function countingAtomics(kv: Deno.Kv): { kv: Deno.Kv; peak: () => number; reset: () => void } {
  let inFlight = 0;
  let peak = 0;
  const counted = new Proxy(kv, {
    get(target, name) {
      if (name === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = async () => {
            peak = Math.max(peak, ++inFlight);
            try {
              const result = await commit();
              await new Promise((resolve) => setTimeout(resolve, 5));
              return result;
            } finally {
              inFlight--;
            }
          };
          return op;
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, peak: () => peak, reset: () => (peak = 0) };
}

Deno.test("the applier keeps several atomics in flight (one at a time, a busy event loop resumed it once per turn)", async () => {
  const kv = await openKvHandle(":memory:");
  const counting = countingAtomics(kv);
  const store = journaled(counting.kv);
  try {
    const commits = [];
    for (let s = 0; s < 200; s++) {
      for (const minute of [10, 11]) commits.push(store.addMeterValues(frame(at(minute), s, `CP-${s}`)));
    }
    await Promise.all(commits);
    assertEquals((await counts(kv)).journal, 400);
    counting.reset();
    await drainMeterJournals(counting.kv);
    // 400 groups: 9 atomics of at most 48, 8 at once; then the deletes.
    assertEquals(counting.peak(), 8);
    assertEquals(await counts(kv), { journal: 0, groups: 400, byTransaction: 400, byArrival: 400, alone: 0 });
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("from `maxPending` pending groups on, new groups go straight to their lists until the applier catches up", () =>
  withJournaled(async (kv, store) => {
    for (const minute of [10, 11, 12, 13, 14]) assertEquals(await store.addMeterValues(frame(at(minute))), 4);
    assertEquals(await counts(kv), { journal: 3, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
    // A replay of a journaled group and of a direct one: nothing new either way.
    assertEquals(await store.addMeterValues(frame(at(10))), 0);
    assertEquals(await store.addMeterValues(frame(at(14))), 0);
    await drainMeterJournals(kv);
    assertEquals(await counts(kv), { journal: 0, groups: 5, byTransaction: 5, byArrival: 5, alone: 0 });
    // Applied: it journals again.
    assertEquals(await store.addMeterValues(frame(at(15))), 4);
    assertEquals((await counts(kv)).journal, 1);
  }, { maxPending: 3 }));

Deno.test("over `maxPending` the rule still counts each station's commits", () =>
  withJournaled(async (kv, store) => {
    // CP-B's second commit journals: the bound (1) is reached.
    for (const minute of [1, 2]) await store.addMeterValues(frame(at(minute), 7, "CP-B"));
    assertEquals((await counts(kv)).journal, 1);
    // CP-A's two commits go straight to its list, counted all the same.
    for (const minute of [1, 2]) await store.addMeterValues(frame(at(minute), 7, "CP-A"));
    assertEquals((await counts(kv)).journal, 1);
    await drainMeterJournals(kv);
    // Its third commit of the window journals (uncounted, it would be its first).
    await store.addMeterValues(frame(at(3), 7, "CP-A"));
    assertEquals((await counts(kv)).journal, 1);
  }, { maxPending: 1, journalFrom: 2 }));

Deno.test("an entry applied but not yet deleted (a crash between the applier's two atomics) is applied again as a replay: nothing new", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const rows = frame(at(10));
    await leftoverEntry(kv, rows, true);
    assertEquals(await counts(kv), { journal: 1, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
    const next = journaled(kv);
    try {
      assertEquals(await next.addMeterValues(rows), 0);
      assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, byArrival: 1, alone: 0 });
      assertEquals(await next.listMeterValuesByTransaction(7), rows);
    } finally {
      await next.close();
    }
  } finally {
    kv.close();
  }
});

/** Options of an adaptive journal on a clock the test moves: windows of 1 s, journaling from 3 commits. */
function adaptive(clock: { now: number }): MeterJournalOptions {
  return { journalFrom: 3, rateWindowMs: 1000, now: () => clock.now };
}

Deno.test("adaptive: a station below `journalFrom` commits per window writes its list at once; from it on it journals, and keeps journaling while groups of it are pending", async () => {
  const clock = { now: 0 };
  await withJournaled(async (kv, store) => {
    assertEquals(await store.addMeterValues(frame(at(10))), 4);
    assertEquals(await store.addMeterValues(frame(at(11))), 4);
    assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
    // Its third commit of the window: journaled. Another station's first: not.
    assertEquals(await store.addMeterValues(frame(at(12))), 4);
    assertEquals(await store.addMeterValues(frame(at(10), 8, "CP-2")), 4);
    assertEquals(await counts(kv), { journal: 1, groups: 3, byTransaction: 3, byArrival: 3, alone: 0 });
    // Two windows later its rate says "write at once", but it has a group pending: journaled beside it.
    clock.now = 2500;
    assertEquals(await store.addMeterValues(frame(at(13))), 4);
    assertEquals(await counts(kv), { journal: 2, groups: 3, byTransaction: 3, byArrival: 3, alone: 0 });
    await drainMeterJournals(kv);
    assertEquals(await counts(kv), { journal: 0, groups: 5, byTransaction: 5, byArrival: 5, alone: 0 });
    // Applied: back to its rate (2 commits in this window).
    assertEquals(await store.addMeterValues(frame(at(14))), 4);
    assertEquals(await counts(kv), { journal: 0, groups: 6, byTransaction: 6, byArrival: 6, alone: 0 });
    // The window after one of 3 commits: journaled from its first commit.
    clock.now = 3100;
    assertEquals(await store.addMeterValues(frame(at(15))), 4);
    assertEquals(await counts(kv), { journal: 1, groups: 6, byTransaction: 6, byArrival: 6, alone: 0 });
    assertEquals((await store.listMeterValuesByTransaction(7)).length, 24);
  }, adaptive(clock));
});

Deno.test("adaptive: replays and overlaps store each value once whichever way their station is routed", async () => {
  const clock = { now: 0 };
  await withJournaled(async (kv, store) => {
    const frames = [10, 11, 12, 13].map((m) => frame(at(m)));
    // 10 and 11 straight into the list, 12 and 13 journaled.
    for (const f of frames) assertEquals(await store.addMeterValues(f), 4);
    assertEquals(await counts(kv), { journal: 2, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
    // Replays while 12 and 13 are pending: of a stored group, of a pending one, of part of one.
    assertEquals(await store.addMeterValues(frames[0]!), 0);
    assertEquals(await store.addMeterValues(frames[3]!), 0);
    assertEquals(await store.addMeterValues(frames[2]!.slice(1, 3)), 0);
    // A frame of 13's time with one new value: only it stored.
    const more = meterRow({ timestamp: at(13), transactionId: 7, measurand: "SoC", value: "50" });
    assertEquals(await store.addMeterValues([...frames[3]!, more]), 1);
    // Later, at a low rate, each replayed again: nothing new.
    clock.now = 10_000;
    for (const f of frames) assertEquals(await store.addMeterValues(f), 0);
    // (The value stored alone: its entry, and its pointers in the station's list and by transaction.)
    assertEquals(await counts(kv), { journal: 0, groups: 5, byTransaction: 5, byArrival: 5, alone: 1 });
    assertEquals((await store.listMeterValuesByTransaction(7)).length, 17);
  }, adaptive(clock));
});

Deno.test("adaptive: stations journal only in a group commit of `batchFrom` MeterValues commits or more", () =>
  withJournaled(
    async (kv, store) => {
      // One group commit (it waits 50 ms for company): two MeterValues and a commit without any.
      await Promise.all([
        store.addMeterValues(frame(at(10), 7, "CP-1")),
        store.addMeterValues(frame(at(10), 8, "CP-2")),
        store.commit({ chargePointId: "CP-3", lastSeen: at(10) }),
      ]);
      assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
      // Three MeterValues in one: journaled.
      const added = await Promise.all(
        ["CP-1", "CP-2", "CP-3"].map((cp, i) => store.addMeterValues(frame(at(11), 7 + i, cp))),
      );
      assertEquals(added, [4, 4, 4]);
      assertEquals(await counts(kv), { journal: 3, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
      // A station with groups pending journals in a small group commit too (its page is the applier's anyway).
      assertEquals(await store.addMeterValues(frame(at(12), 7, "CP-1")), 4);
      assertEquals(await counts(kv), { journal: 4, groups: 2, byTransaction: 2, byArrival: 2, alone: 0 });
      assertEquals((await store.listMeterValuesByChargePoint("CP-1", 100)).length, 12);
    },
    { batchFrom: 3 },
    { groupCommitMs: 50 },
  ));

Deno.test("two group commits of one station in flight journal the same group key: both values are stored (never two in one applier atomic)", async () => {
  const kv = await openKvHandle(":memory:");
  // One caller per group commit: each flushes at once, so the two are in flight together.
  const store = journaled(kv, {}, { groupCommitMaxCallers: 1 });
  try {
    const [a] = frame(at(10));
    const [, b] = frame(at(10));
    const added = await Promise.all([store.addMeterValues([a!]), store.addMeterValues([b!])]);
    assertEquals(added, [1, 1]);
    assertEquals((await counts(kv)).journal, 2);
    await drainMeterJournals(kv);
    const listed = await store.listMeterValuesByChargePoint("CP-1", 10);
    assertEquals(listed.map((r) => r.measurand).sort(), [a!.measurand, b!.measurand].sort());
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("two group commits of one station journaling the same group key count it pending once: once applied, it is back to its rate", async () => {
  const clock = { now: 0 };
  const kv = await openKvHandle(":memory:");
  // One caller per group commit: each flushes at once, so two of one station can be in flight together.
  const store = journaled(kv, { journalFrom: 2, rateWindowMs: 1000, now: () => clock.now }, {
    groupCommitMaxCallers: 1,
  });
  try {
    // Its first commit of the window goes straight to its list; the next two journal, both at one time.
    assertEquals(await store.addMeterValues(frame(at(9))), 4);
    const [a] = frame(at(10));
    const [, b] = frame(at(10));
    assertEquals(await Promise.all([store.addMeterValues([a!]), store.addMeterValues([b!])]), [1, 1]);
    assertEquals((await counts(kv)).journal, 2);
    await drainMeterJournals(kv);
    assertEquals((await counts(kv)).journal, 0);
    // Two windows later, its first commit: below the rate and nothing pending, so straight to its list.
    clock.now = 2500;
    assertEquals(await store.addMeterValues(frame(at(11))), 4);
    assertEquals((await counts(kv)).journal, 0);
  } finally {
    await store.close();
    kv.close();
  }
});
