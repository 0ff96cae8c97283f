import { assert, assertEquals } from "@std/assert";
import type { ListCursor } from "../../model/list_cursor.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { at, meterRow } from "../contract/harness.ts";
import { hashedMeterValueKey, plainMeterValueKey } from "./keys.ts";
import fc from "fast-check";
import { dedupedRuns, encodeGroup, groupRows, type PreparedGroup } from "./meter_values.ts";
import { KvStore } from "./mod.ts";
import { KvRetentionStore } from "./retention.ts";

/** One `meterValue` element of a frame: four sampled values of one time. */
function frame(timestamp: string, transactionId: number | null = null): MeterValueRow[] {
  return ["Energy.Active.Import.Register", "Power.Active.Import", "Voltage", "Current.Import"].map((
    measurand,
    i,
  ) => meterRow({ timestamp, transactionId, measurand, value: String(1000 + i) }));
}

async function entries(kv: Deno.Kv, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: [prefix] })) n++;
  return n;
}

/** Stores rows the way the store did before groups: one entry per sampled value, indexed per row. */
async function storeRowsTheOldWay(kv: Deno.Kv, rows: MeterValueRow[]): Promise<void> {
  for (const [i, row] of rows.entries()) {
    const key = plainMeterValueKey(row) ?? await hashedMeterValueKey(row);
    const at = `000000000.${String(i).padStart(6, "0")}.old`;
    const op = kv.atomic().set(key, row).set(["mv_cp", row.chargePointId, row.timestamp, at], key);
    if (row.transactionId !== null) op.set(["mv_tx", row.transactionId, row.timestamp, at], key);
    await op.commit();
  }
}

/** Stores each frame the way the store did before groups moved into the station's list. */
async function storeGroupsTheOldWay(kv: Deno.Kv, frames: MeterValueRow[][]): Promise<void> {
  for (const [i, rows] of frames.entries()) {
    const row = rows[0]!;
    const key = ["mv_g", row.chargePointId, row.connectorId, row.timestamp];
    const at = `000000000.${String(i).padStart(6, "0")}.old`;
    const op = kv.atomic().set(key, encodeGroup(rows)).set(
      ["mv_cp", row.chargePointId, row.timestamp, at],
      key,
    );
    if (row.transactionId !== null) op.set(["mv_tx", row.transactionId, row.timestamp, at], key);
    await op.commit();
  }
}

Deno.test("a MeterValues element is one KV entry in the station's list with one pointer by transaction, a replay writes nothing", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new KvStore(kv);
  try {
    const rows = frame(at(10), 7);
    assertEquals(await store.addMeterValues(rows), 4);
    assertEquals(
      [
        await entries(kv, "mv_g"),
        await entries(kv, "mv"),
        await entries(kv, "mv_cp"),
        await entries(kv, "mv_tx"),
      ],
      [0, 0, 1, 1],
    );
    // Without a transaction it is the one entry alone.
    assertEquals(await store.addMeterValues(frame(at(11))), 4);
    assertEquals([await entries(kv, "mv_cp"), await entries(kv, "mv_tx")], [2, 1]);
    assertEquals(await store.addMeterValues(rows), 0);
    assertEquals(await entries(kv, "mv_cp"), 2);
    assertEquals(await store.listMeterValuesByTransaction(7), rows);
  } finally {
    await store.close();
  }
});

Deno.test("meter values stored one per entry before groups are listed, and a replay of them adds nothing", async () => {
  const kv = await Deno.openKv(":memory:");
  const old = [...frame(at(10), 7), ...frame(at(11), 7)];
  await storeRowsTheOldWay(kv, old);
  const store = new KvStore(kv);
  try {
    assertEquals(await store.listMeterValuesByTransaction(7), old);
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 5), old.slice(3).reverse());
    // The old frames again, then one overlapping an old time and adding a new one.
    assertEquals(await store.addMeterValues(old.slice(0, 4)), 0);
    assertEquals(await store.addMeterValues(old), 0);
    const extra = meterRow({ timestamp: at(11), transactionId: 7, measurand: "SoC", value: "55" });
    const next = frame(at(12), 7);
    assertEquals(await store.addMeterValues([...old.slice(4), extra, ...next]), 5);
    assertEquals(await store.listMeterValuesByTransaction(7), [...old, extra, ...next]);
    assertEquals(await store.addMeterValues([...old, extra, ...next]), 0);
  } finally {
    await store.close();
  }
});

Deno.test("a file seen without rows from before groups is marked, and later opens trust the marker", async () => {
  const kv = await Deno.openKv(":memory:");
  const first = new KvStore(kv, { closeHandle: false });
  assertEquals(await first.addMeterValues(frame(at(10))), 4);
  await first.close();
  assertEquals((await kv.get(["meta", "mv_layout"])).value, "stations");
  const second = new KvStore(kv);
  try {
    // Rows stored alone (a second frame at a stored time) do not make the file look old.
    const more = meterRow({ timestamp: at(10), measurand: "SoC", value: "50" });
    assertEquals(await second.addMeterValues([more]), 1);
    assertEquals(await entries(kv, "mv"), 1);
    assertEquals((await second.listMeterValuesByChargePoint("CP-1", 10))[0], more);
  } finally {
    await second.close();
  }
});

Deno.test("retention deletes whole groups, counted in rows, within max unless one group alone exceeds it", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new KvStore(kv, { closeHandle: false });
  try {
    await store.putChargePoint({
      ...(await import("../../model/charge_point.ts")).emptyRecord("CP-1", new Date()),
    });
    const t = (d: number) => new Date(Date.UTC(2020, 0, d)).toISOString();
    for (const d of [1, 2, 3]) assertEquals(await store.addMeterValues(frame(t(d), 7).slice(0, 3)), 3);
    assertEquals(await store.addMeterValues(frame(t(20), 7)), 4);
    const retention = new KvRetentionStore(kv);
    assertEquals(await retention.pruneMeterValues(t(10), 7), 6);
    assertEquals(await retention.pruneMeterValues(t(10), 2), 3);
    assertEquals(await retention.pruneMeterValues(t(10), 7), 0);
    assertEquals(await store.listMeterValuesByTransaction(7), frame(t(20), 7));
    assertEquals([await entries(kv, "mv_g"), await entries(kv, "mv_cp"), await entries(kv, "mv_tx")], [
      0,
      1,
      1,
    ]);
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("groups stored before they moved into the station's list are listed, deduplicated and pruned", async () => {
  const kv = await Deno.openKv(":memory:");
  const old = [frame(at(10), 7), frame(at(11), 7)];
  await storeGroupsTheOldWay(kv, old);
  await kv.set(["meta", "mv_layout"], "groups");
  const store = new KvStore(kv, { closeHandle: false });
  try {
    assertEquals(await store.listMeterValuesByTransaction(7), old.flat());
    // A replay of the old frames adds nothing; one overlapping an old time adds only its new value.
    assertEquals(await store.addMeterValues(old.flat()), 0);
    const extra = meterRow({ timestamp: at(11), transactionId: 7, measurand: "SoC", value: "55" });
    const next = frame(at(12), 7);
    assertEquals(await store.addMeterValues([...old[1]!, extra, ...next]), 5);
    assertEquals(await store.addMeterValues([...old.flat(), extra, ...next]), 0);
    assertEquals(await store.listMeterValuesByTransaction(7), [...old.flat(), extra, ...next]);
    // Newest first across both layouts; one time's entries newest stored first.
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 6), [
      ...next.slice().reverse(),
      extra,
      old[1]![3],
    ]);
    assertEquals((await kv.get(["meta", "mv_layout"])).value, "groups");
    await store.putChargePoint({
      ...(await import("../../model/charge_point.ts")).emptyRecord("CP-1", new Date()),
    });
    assertEquals(await new KvRetentionStore(kv).pruneMeterValues(at(12), 100), 9);
    assertEquals(await store.listMeterValuesByTransaction(7), next);
    assertEquals([await entries(kv, "mv_g"), await entries(kv, "mv_cp"), await entries(kv, "mv_tx")], [
      0,
      1,
      1,
    ]);
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("groupRows() without natural keys agrees with the natural-key grouping on any frame", async () => {
  const row = fc.record({
    connectorId: fc.constantFrom(1, 2),
    timestamp: fc.constantFrom(at(1), at(2)),
    receivedAt: fc.constantFrom(at(3), at(4)),
    transactionId: fc.constantFrom(null, 7),
    value: fc.constantFrom("1", "2", "x".repeat(9000)),
    measurand: fc.constantFrom("Voltage", "Current.Import"),
    phase: fc.constantFrom(null, "", "L1"),
    location: fc.constantFrom("Outlet", "Inlet"),
    context: fc.constantFrom("Sample.Periodic", "Trigger"),
  }).map((r) => meterRow(r));
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 12 }), fc.boolean(), async (rows, oldGroups) => {
      const changes = { chargePointId: "CP-1", meterValues: rows };
      const shape = (groups: PreparedGroup[]) =>
        groups.map((g) => ({ ...g, rows: g.rows.map((r) => r.row) }));
      assertEquals(shape(await groupRows(changes, false, oldGroups)), shape(dedupedRuns(rows, oldGroups)));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("a group is stored as bytes; groups stored as objects in the station's list are listed, deduplicated and pruned alike", async () => {
  const kv = await Deno.openKv(":memory:");
  // The value form before: the group object with its seq, under the same keys.
  const old = [frame(at(10), 7), frame(at(11), 7)];
  for (const [i, rows] of old.entries()) {
    const seq = `000000000.${String(i).padStart(6, "0")}.old`;
    const key = ["mv_cp", "CP-1", rows[0]!.timestamp, 1];
    await kv.atomic().set(key, { ...encodeGroup(rows), seq })
      .set(["mv_tx", 7, rows[0]!.timestamp, seq], key).commit();
  }
  await kv.set(["meta", "mv_layout"], "stations");
  const store = new KvStore(kv, { closeHandle: false });
  try {
    assertEquals(await store.listMeterValuesByTransaction(7), old.flat());
    assertEquals(await store.addMeterValues(old.flat()), 0);
    const extra = meterRow({ timestamp: at(11), transactionId: 7, measurand: "SoC", value: "55" });
    const next = frame(at(12), 7);
    assertEquals(await store.addMeterValues([...old[1]!, extra, ...next]), 5);
    assertEquals(await store.addMeterValues([...old.flat(), extra, ...next]), 0);
    const stored = await kv.get(["mv_cp", "CP-1", at(12), 1]);
    assertEquals(stored.value instanceof Uint8Array, true);
    assertEquals(await store.listMeterValuesByTransaction(7), [...old.flat(), extra, ...next]);
    assertEquals(await store.listMeterValuesByChargePoint("CP-1", 6), [
      ...next.slice().reverse(),
      extra,
      old[1]![3],
    ]);
    await store.putChargePoint({
      ...(await import("../../model/charge_point.ts")).emptyRecord("CP-1", new Date()),
    });
    assertEquals(await new KvRetentionStore(kv).pruneMeterValues(at(12), 100), 9);
    assertEquals(await store.listMeterValuesByTransaction(7), next);
    assertEquals([await entries(kv, "mv_cp"), await entries(kv, "mv_tx")], [1, 1]);
    assertEquals(await new KvRetentionStore(kv).pruneMeterValues(at(13), 100), 4);
    assertEquals([await entries(kv, "mv_cp"), await entries(kv, "mv_tx"), await entries(kv, "mv_rx")], [
      0,
      0,
      0,
    ]);
  } finally {
    await store.close();
    kv.close();
  }
});

/** `kv` counting the entries its lists and reads answer (what a page costs). */
function countingReads(kv: Deno.Kv): { kv: Deno.Kv; read: () => number } {
  let read = 0;
  const counted = new Proxy(kv, {
    get(target, key) {
      if (key === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) =>
          (async function* () {
            for await (const entry of target.list(selector, options)) {
              read++;
              yield entry;
            }
          })();
      }
      if (key === "getMany") {
        return (keys: Deno.KvKey[]) => {
          read += keys.length;
          return target.getMany(keys);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, read: () => read };
}

Deno.test("pages of a station whose clock is stuck read each entry of that time about once, in the list's order", async () => {
  const { kv: counted, read } = countingReads(await Deno.openKv(":memory:"));
  const store = new KvStore(counted);
  try {
    // A clock stuck at one time: each frame after the first of a connector is stored one entry per value; the
    // fourth connector's group is stored amid the others' entries.
    const stuck = at(30);
    for (let i = 0; i < 300; i++) {
      await store.addMeterValues([
        meterRow({ timestamp: stuck, connectorId: i < 200 ? 1 + (i % 3) : 1 + (i % 4), value: String(i) }),
      ]);
    }
    await store.addMeterValues(frame(at(20)));
    await store.addMeterValues(frame(at(40)));
    const all = await store.listMeterValuesByChargePoint("CP-1", 1000);
    assertEquals(all.length, 308);
    const before = read();
    const paged: MeterValueRow[] = [];
    let cursor: ListCursor | undefined;
    for (;;) {
      const page = await store.pageMeterValuesByChargePoint("CP-1", {
        limit: 10,
        ...(cursor ? { before: cursor } : {}),
      });
      paged.push(...page.items);
      if (!page.next) break;
      cursor = page.next;
    }
    assertEquals(paged, all);
    // 308 rows in 31 pages: a pointer is listed, then its entry read (two reads a row), a page reads a few past
    // its end; before, each page read every entry of the stuck time again (some 18,500 reads).
    const reads = read() - before;
    assert(reads < 4 * 308, `${reads} entries read for 308 rows`);
  } finally {
    await store.close();
  }
});
