import { assertEquals, assertRejects } from "@std/assert";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { at, meterRow } from "../contract/harness.ts";
import { drainMeterJournals } from "./meter_journal.ts";
import { KvStore, openKvHandle, openKvStore } from "./mod.ts";
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
  alone: await count(kv, "mv"),
});

/** A journaled store on `kv` whose applier only runs when the test drains it. */
function journaled(kv: Deno.Kv): KvStore {
  return new KvStore(kv, { closeHandle: false, meterJournal: { intervalMs: 3_600_000 } });
}

Deno.test("a MeterValues group is journaled, applied into the station's list on drain; a replay before and after stores nothing new", async () => {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv);
  try {
    const rows = frame(at(10));
    assertEquals(await store.addMeterValues(rows), 4);
    assertEquals(await counts(kv), { journal: 1, groups: 0, byTransaction: 0, alone: 0 });
    // Replayed while still in the journal: found by the in-memory index.
    assertEquals(await store.addMeterValues(rows), 0);
    assertEquals(await store.addMeterValues(rows.slice(1, 3)), 0);
    assertEquals(await counts(kv), { journal: 1, groups: 0, byTransaction: 0, alone: 0 });
    await drainMeterJournals(kv);
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, alone: 0 });
    // Replayed after the apply: found by the group's absent-check, as without a journal.
    assertEquals(await store.addMeterValues(rows), 0);
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, alone: 0 });
    assertEquals(await store.listMeterValuesByTransaction(7), rows);
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("a frame overlapping a journaled group partly stores only its new values, reading after the journal is applied", async () => {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv);
  try {
    const rows = frame(at(10));
    assertEquals(await store.addMeterValues(rows.slice(0, 3)), 3);
    assertEquals(await store.addMeterValues(rows.slice(1)), 1);
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 10), [
      rows[3],
      ...rows.slice(0, 3).reverse(),
    ]);
    assertEquals(await store.addMeterValues(rows), 0);
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("reads right after the answer see the journaled values (the journal is applied first)", async () => {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv);
  try {
    const first = frame(at(10));
    const second = frame(at(11));
    await store.addMeterValues(first);
    assertEquals(await store.listMeterValuesByTransaction(7), first);
    await store.addMeterValues(second);
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 100), [...first, ...second].reverse());
    assertEquals(await store.listMeterValuesByTransaction(7), [...first, ...second]);
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("retention sees journaled values (the journals on its handle are applied first)", async () => {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv);
  try {
    await store.putChargePoint(emptyRecord("CP-1", new Date()));
    const t = (d: number) => new Date(Date.UTC(2020, 0, d)).toISOString();
    assertEquals(await store.addMeterValues(frame(t(1))), 4);
    assertEquals(await new KvRetentionStore(kv).pruneMeterValues(t(10), 100), 4);
    assertEquals(await counts(kv), { journal: 0, groups: 0, byTransaction: 0, alone: 0 });
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("the applier runs by itself after its interval, and closing the store applies what is left", async () => {
  const kv = await openKvHandle(":memory:");
  const quick = new KvStore(kv, { closeHandle: false, meterJournal: { intervalMs: 20 } });
  try {
    await quick.addMeterValues(frame(at(10)));
    assertEquals((await counts(kv)).journal, 1);
    for (let i = 0; i < 100 && (await counts(kv)).journal > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, alone: 0 });
  } finally {
    await quick.close();
  }
  const store = journaled(kv);
  await store.addMeterValues(frame(at(11)));
  await store.close();
  assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, alone: 0 });
  kv.close();
});

Deno.test("a journal entry whose group another writer stored meanwhile is stored the slow way, never dropped", async () => {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv);
  // Another process on the same file, writing the stations' lists directly.
  const other = new KvStore(kv, { closeHandle: false });
  try {
    const rows = frame(at(10));
    assertEquals(await store.addMeterValues(rows.slice(0, 3)), 3);
    assertEquals(await other.addMeterValues(rows.slice(1)), 3);
    await drainMeterJournals(kv);
    // The journaled group's value the other group lacks is stored alone; the rest once.
    assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, alone: 1 });
    const listed = await store.listMeterValuesByTransaction(7);
    assertEquals(listed.map((r) => r.measurand).sort(), rows.map((r) => r.measurand).sort());
  } finally {
    await other.close();
    await store.close();
    kv.close();
  }
});

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
    await kv.atomic().delete(["mv_cp", "CP-A", at(10), 1]).delete(["mv_tx", 7, at(10), seq!]).commit();
  });
  const task = new KvStore(stale, { closeHandle: false, meterJournal: { intervalMs: 3_600_000 } });
  try {
    for (const cp of ["CP-A", "CP-B", "CP-C"]) {
      assertEquals(await store.addMeterValues(frame(at(10), 7, cp)), 4);
    }
    assertEquals((await counts(kv)).journal, 3);
    await drainMeterJournals(stale);
    // CP-A's group stays pruned: the stale entry was not applied again.
    assertEquals(await counts(kv), { journal: 0, groups: 2, byTransaction: 2, alone: 0 });
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
    assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, alone: 0 });
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
    const first = journaled(kv);
    await first.addMeterValues(rows);
    const [entry] = await Array.fromAsync(kv.list({ prefix: ["mv_j"] }));
    await first.close();
    await kv.atomic().delete(["mv_cp", "CP-1", at(10), 1]).delete(
      (await Array.fromAsync(kv.list({ prefix: ["mv_tx"] })))[0]!.key,
    )
      .set(entry!.key, entry!.value).commit();
    assertEquals(await counts(kv), { journal: 1, groups: 0, byTransaction: 0, alone: 0 });
    const next = journaled(kv);
    try {
      // The replay meets the applied group: nothing new.
      assertEquals(await next.addMeterValues(rows), 0);
      assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, alone: 0 });
      // New entries are numbered after the last one left.
      await next.addMeterValues(frame(at(11)));
      const [newer] = await Array.fromAsync(kv.list({ prefix: ["mv_j"] }));
      assertEquals((newer!.key[1] as number) > (entry!.key[1] as number), true);
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

Deno.test("a journal of many stations is applied in atomics within KV's limits (100 checks each)", async () => {
  const kv = await openKvHandle(":memory:");
  const store = journaled(kv);
  try {
    const commits = [];
    for (let s = 0; s < 150; s++) {
      for (const minute of [10, 11]) commits.push(store.addMeterValues(frame(at(minute), s, `CP-${s}`)));
    }
    assertEquals((await Promise.all(commits)).reduce((a, b) => a + b, 0), 1200);
    assertEquals((await counts(kv)).journal, 300);
    await drainMeterJournals(kv);
    assertEquals(await counts(kv), { journal: 0, groups: 300, byTransaction: 300, alone: 0 });
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("an entry applied but not yet deleted (a crash between the applier's two atomics) is applied again as a replay: nothing new", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const rows = frame(at(10));
    const first = journaled(kv);
    await first.addMeterValues(rows);
    const [entry] = await Array.fromAsync(kv.list({ prefix: ["mv_j"] }));
    await first.close();
    await kv.set(entry!.key, entry!.value);
    assertEquals(await counts(kv), { journal: 1, groups: 1, byTransaction: 1, alone: 0 });
    const next = journaled(kv);
    try {
      assertEquals(await next.addMeterValues(rows), 0);
      assertEquals(await counts(kv), { journal: 0, groups: 1, byTransaction: 1, alone: 0 });
      assertEquals(await next.listMeterValuesByTransaction(7), rows);
    } finally {
      await next.close();
    }
  } finally {
    kv.close();
  }
});
