import { assertEquals } from "@std/assert";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { ListCursor } from "../../model/list_cursor.ts";
import { at, type Cases, meterRow, startInput } from "./harness.ts";
import type { Store } from "../mod.ts";

/** Meter values: stored once under their natural key, listed in order. */
export function meterValueCases({ stationTest }: Cases): void {
  partialOverlapCases(stationTest);

  stationTest(
    "pageMeterValuesByTransaction() pages of any size list the session's rows once each, as the list does",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const tx = started.transaction.transactionId;
      // Groups of several values, one time stored by three frames (alone-stored rows), another transaction.
      const t1 = sampled(at(50), tx, ["1a", "1b", "1c"]);
      const t2 = sampled(at(51), tx, ["2a", "2b"]);
      const t3 = sampled(at(52), tx, ["3a", "3b", "3c", "3d"]);
      await store().addMeterValues([...t1, t2[0]!]);
      await store().addMeterValues([t2[1]!, ...t3.slice(0, 2)]);
      await store().addMeterValues([t3[3]!, t3[2]!]);
      await store().addMeterValues(sampled(at(51), null, ["x"]));
      const all = await store().listMeterValuesByTransaction(tx);
      assertEquals(all.length, 9);
      for (const limit of [1, 2, 3, 4, 8, 9, 10]) {
        const rows: MeterValueRow[] = [];
        let after: ListCursor | undefined;
        let pages = 0;
        for (;;) {
          const page = await store().pageMeterValuesByTransaction(tx, { limit, ...(after ? { after } : {}) });
          rows.push(...page.items);
          pages++;
          if (page.next === null) break;
          assertEquals(page.items.length, limit);
          // A cursor that does not move on would page for ever.
          if (pages > all.length) throw new Error(`pages of ${limit}: still paging after ${pages} pages`);
          after = page.next;
        }
        assertEquals(rows, all, `pages of ${limit}`);
        // `next` is null on the last page exactly: no empty page follows a full one.
        assertEquals(pages, Math.ceil(all.length / limit), `pages of ${limit}`);
      }
      assertEquals(await store().pageMeterValuesByTransaction(999_999, { limit: 10 }), {
        items: [],
        next: null,
      });
    },
  );
  stationTest(
    "pageMeterValuesReceivedSince() lists the values received since, in the order they arrived, by pages of any size",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const tx = started.transaction.transactionId;
      const received = (rows: MeterValueRow[], receivedAt: string) => rows.map((r) => ({ ...r, receivedAt }));
      const first = received([...sampled(at(50), tx, ["1a", "1b"]), ...sampled(at(51), tx, ["2a"])], at(60));
      // A backlog: an older time than the session's newest, received later.
      const backlog = received(
        [...sampled(at(40), tx, ["0a", "0b", "0c"]), ...sampled(at(52), tx, ["3a"])],
        at(61),
      );
      // Values at a time already stored (stored alone), and another transaction's.
      const overlap = received(sampled(at(51), tx, ["2b", "2c"]), at(62));
      await store().addMeterValues(first);
      await store().addMeterValues(backlog);
      await store().addMeterValues(overlap);
      await store().addMeterValues(received(sampled(at(53), null, ["x"]), at(62)));
      const wanted = [...backlog, ...overlap];
      for (const limit of [1, 2, 3, 6, 7]) {
        assertEquals(
          await receivedByPages(store(), tx, at(61), limit, wanted.length),
          wanted,
          `pages of ${limit}`,
        );
      }
      const all = await store().pageMeterValuesReceivedSince(tx, { since: at(0), limit: 100 });
      assertEquals(all.items, [...first, ...wanted]);
      assertEquals(await store().pageMeterValuesReceivedSince(tx, { since: at(63), limit: 10 }), {
        items: [],
        next: null,
      });
      // Newest first by time, a limited read.
      const byTime = await store().listMeterValuesByTransaction(tx);
      assertEquals(await store().listRecentMeterValuesByTransaction(tx, 3), byTime.slice(-3).reverse());
      assertEquals(await store().listRecentMeterValuesByTransaction(tx, 100), byTime.slice().reverse());
    },
  );

  stationTest(
    "pageMeterValuesReceivedSince() merges values received near their time with a backlog's, in arrival order",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const tx = started.transaction.transactionId;
      const s = (seconds: number) => at(50 + seconds / 60);
      const received = (rows: MeterValueRow[], receivedAt: string) => rows.map((r) => ({ ...r, receivedAt }));
      // Most values arrive seconds after their time; a backlog an hour late comes between them.
      const first = received([...sampled(s(0), tx, ["1a", "1b"]), ...sampled(s(10), tx, ["2a"])], s(20));
      const mixed = received([...sampled(at(-10), tx, ["0a", "0b"]), ...sampled(s(30), tx, ["3a"])], s(40));
      const overlap = received(sampled(s(10), tx, ["2b"]), s(45));
      const later = received(sampled(s(50), tx, ["4a", "4b"]), s(55));
      for (const rows of [first, mixed, overlap, later]) await store().addMeterValues(rows);
      await store().addMeterValues(received(sampled(s(42), null, ["x"]), s(42)));
      const wanted = [...mixed, ...overlap, ...later];
      for (const limit of [1, 2, 4, 10]) {
        assertEquals(
          await receivedByPages(store(), tx, s(40), limit, wanted.length),
          wanted,
          `pages of ${limit}`,
        );
      }
      assertEquals(
        (await store().pageMeterValuesReceivedSince(tx, { since: s(46), limit: 10 })).items,
        later,
      );
    },
  );

  // ---------------------------------------------------------------- meter values

  stationTest(
    "addMeterValues() stores the same batch once and returns how many rows were new",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const transactionId = started.transaction.transactionId;
      const batch = [
        meterRow({ transactionId, timestamp: at(20), value: "1000" }),
        meterRow({
          transactionId,
          timestamp: at(20),
          measurand: "Power.Active.Import",
          unit: "W",
          value: "7000",
        }),
        meterRow({
          transactionId,
          timestamp: at(20),
          measurand: "Voltage",
          phase: "L1",
          unit: "V",
          value: "230",
        }),
        meterRow({
          transactionId,
          timestamp: at(20),
          measurand: "Voltage",
          phase: "L2",
          unit: "V",
          value: "230",
        }),
      ];
      assertEquals(await store().addMeterValues(batch), 4);
      assertEquals(await store().addMeterValues(batch), 0);
      assertEquals(await store().listMeterValuesByTransaction(transactionId), batch);

      // Partly new: only the new rows are stored and counted.
      const more = meterRow({ transactionId, timestamp: at(21), value: "1100" });
      assertEquals(await store().addMeterValues([batch[0]!, more, batch[2]!]), 1);
      assertEquals((await store().listMeterValuesByTransaction(transactionId)).length, 5);
      assertEquals(await store().addMeterValues([]), 0);
    },
  );

  stationTest("addMeterValues() dedupes on the key columns only, and within one batch", async ({ store }) => {
    const { transaction } = await store().startTransaction(startInput());
    const base = meterRow();
    // Same key, other format/unit/receivedAt: a duplicate.
    const sameKey = meterRow({ format: "SignedData", unit: "kWh", receivedAt: at(99) });
    assertEquals(await store().addMeterValues([base, sameKey, base]), 1);
    // Each key column makes a new row; phase null differs from a phase.
    const different = [
      meterRow({ chargePointId: "CP-2" }),
      meterRow({ connectorId: 2 }),
      meterRow({ timestamp: at(20.5) }),
      meterRow({ measurand: "Energy.Active.Export.Register" }),
      meterRow({ phase: "L1" }),
      meterRow({ location: "Inlet" }),
      meterRow({ value: "1234.6" }),
      meterRow({ context: "Trigger" }),
      meterRow({ transactionId: transaction.transactionId }),
    ];
    assertEquals(await store().addMeterValues(different), 9);
    assertEquals((await store().listMeterValuesByChargePoint("CP-1", 100)).length, 9);
  });

  stationTest(
    "a reading equal to a stored one but for its context or transaction is stored, and joins its transaction",
    async ({ store }) => {
      const { transaction } = await store().startTransaction(startInput());
      const transactionId = transaction.transactionId;
      // An idle clock-aligned reading, then the same register at the same instant as the session's begin.
      const clock = meterRow({ context: "Sample.Clock", receivedAt: at(20.1) });
      const begin = meterRow({ context: "Transaction.Begin", transactionId, receivedAt: at(20.2) });
      assertEquals(await store().addMeterValues([clock]), 1);
      assertEquals(await store().addMeterValues([begin]), 1);
      // Sent again with its transaction (a station that first sent it without): a value of the transaction.
      const again = meterRow({ context: "Sample.Clock", transactionId, receivedAt: at(20.3) });
      assertEquals(await store().addMeterValues([again]), 1);
      assertEquals(
        (await store().listMeterValuesByTransaction(transactionId)).map((r) => r.context),
        ["Transaction.Begin", "Sample.Clock"],
      );
      // Replays of any of them, alone or together, store nothing.
      assertEquals(await store().addMeterValues([begin, clock, again]), 0);
      assertEquals(await store().addMeterValues([clock]), 0);
      assertEquals((await store().listMeterValuesByChargePoint("CP-1", 100)).length, 3);
    },
  );

  stationTest(
    "addMeterValues() stores 200 out-of-order rows with old timestamps, listed oldest first per transaction",
    async ({ store }) => {
      const started = await store().startTransaction(startInput({ timestamp: at(0) }));
      const transactionId = started.transaction.transactionId;
      // Old timestamps (days before the start), shuffled deterministically.
      const minutes = Array.from({ length: 200 }, (_, i) => -5000 + i);
      const shuffled = minutes.map((_, i) => minutes[(i * 73) % 200]!);
      assertEquals(new Set(shuffled).size, 200);
      const rows = shuffled.map((m) =>
        meterRow({ transactionId, timestamp: at(m), value: String(m + 10000) })
      );
      assertEquals(await store().addMeterValues(rows), 200);
      assertEquals(await store().addMeterValues(rows), 0);
      const listed = await store().listMeterValuesByTransaction(transactionId);
      assertEquals(listed.length, 200);
      assertEquals(listed.map((r) => r.timestamp), minutes.map((m) => at(m)));
      assertEquals(listed[0], rows.find((r) => r.timestamp === at(-5000)));
    },
  );

  stationTest(
    "listMeterValuesByTransaction() orders equal timestamps by insertion and skips other transactions",
    async ({ store }) => {
      const a = await store().startTransaction(startInput({ connectorId: 1 }));
      const b = await store().startTransaction(startInput({ connectorId: 2 }));
      const txA = a.transaction.transactionId;
      const txB = b.transaction.transactionId;
      const r1 = meterRow({ transactionId: txA, timestamp: at(30), measurand: "Voltage", value: "230" });
      const r2 = meterRow({
        transactionId: txA,
        timestamp: at(30),
        measurand: "Current.Import",
        value: "16",
      });
      const r0 = meterRow({ transactionId: txA, timestamp: at(25), value: "900" });
      const r3 = meterRow({
        transactionId: txA,
        timestamp: at(30),
        measurand: "Power.Active.Import",
        value: "3680",
      });
      const other = meterRow({ transactionId: txB, connectorId: 2, timestamp: at(26) });
      const noTx = meterRow({ transactionId: null, timestamp: at(27), value: "1" });
      assertEquals(await store().addMeterValues([r1, r2]), 2);
      assertEquals(await store().addMeterValues([r0, other, noTx, r3]), 4);
      assertEquals(await store().listMeterValuesByTransaction(txA), [r0, r1, r2, r3]);
      assertEquals(await store().listMeterValuesByTransaction(txB), [other]);
      assertEquals(await store().listMeterValuesByTransaction(999_999), []);
    },
  );

  stationTest(
    "listMeterValuesByChargePoint() returns newest first, up to limit, with or without a transaction",
    async ({ store }) => {
      const rows = [
        meterRow({ timestamp: at(3), value: "3" }),
        meterRow({ timestamp: at(1), value: "1" }),
        meterRow({ timestamp: at(4), value: "4", transactionId: null }),
        meterRow({ timestamp: at(2), value: "2" }),
        meterRow({ chargePointId: "CP-2", timestamp: at(5), value: "5" }),
      ];
      assertEquals(await store().addMeterValues(rows), 5);
      const all = await store().listMeterValuesByChargePoint("CP-1", 10);
      assertEquals(all.map((r) => r.value), ["4", "3", "2", "1"]);
      assertEquals(all[0], rows[2]);
      assertEquals((await store().listMeterValuesByChargePoint("CP-1", 2)).map((r) => r.value), ["4", "3"]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-2", 10), [rows[4]]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-3", 10), []);
    },
  );

  stationTest("addMeterValues() stores and dedupes rows with very long values", async ({ store }) => {
    // Signed meter data can be long; keys must not break on it.
    const signed = meterRow({ format: "SignedData", value: "S".repeat(5000) });
    const other = meterRow({ format: "SignedData", value: "S".repeat(4999) + "T" });
    assertEquals(await store().addMeterValues([signed, other]), 2);
    assertEquals(await store().addMeterValues([signed]), 0);
    const listed = await store().listMeterValuesByChargePoint("CP-1", 10);
    assertEquals(listed.length, 2);
    assertEquals(new Set(listed.map((r) => r.value)), new Set([signed.value, other.value]));
  });

  stationTest(
    "commit() of a frame too large for one KV atomic stores each value once, its replays in full or in part only what is new, and the station's record with them",
    async ({ store }) => {
      const energy = (m: number) => meterRow({ timestamp: at(m), value: String(m) });
      const power = (m: number) =>
        meterRow({ timestamp: at(m), measurand: "Power.Active.Import", value: "7" });
      // A station's buffered readings: 1,000 times, then 3,000 times whose middle 1,000 are those, with a new
      // value (power) at a hundred of them: the frame's first and last times are new.
      const first = Array.from({ length: 1000 }, (_, i) => energy(1000 + i));
      const second = Array.from(
        { length: 3000 },
        (_, m) => m >= 1500 && m < 1600 ? [energy(m), power(m)] : [energy(m)],
      ).flat();
      const commit = (meterValues: MeterValueRow[], minute: number) =>
        store().commit({ chargePointId: "CP-1", lastSeen: at(minute), meterValues });
      const lastSeen = async () => (await store().getChargePoint("CP-1"))?.lastSeen;
      // The record's part of each commit is stored with or after its meter values.
      assertEquals(await commit(first, 4000), { ok: true, meterValuesAdded: 1000 });
      assertEquals(await lastSeen(), at(4000));
      assertEquals(await commit(first, 4001), { ok: true, meterValuesAdded: 0 });
      assertEquals(await commit(second, 4002), { ok: true, meterValuesAdded: 2100 });
      assertEquals(await lastSeen(), at(4002));
      assertEquals(await commit(second, 4003), { ok: true, meterValuesAdded: 0 });
      assertEquals(await commit(second.slice(1400, 1700), 4004), { ok: true, meterValuesAdded: 0 });
      const listed = await store().listMeterValuesByChargePoint("CP-1", 5000);
      assertEquals(listed.length, 3100);
      const key = (r: MeterValueRow) => `${r.timestamp} ${r.measurand} ${r.value}`;
      assertEquals(new Set(listed.map(key)), new Set(second.map(key)));
      assertEquals(await lastSeen(), at(4004));
    },
  );

  stationTest("addMeterValues() run concurrently with the same rows stores each once", async ({ store }) => {
    const rows = Array.from({ length: 30 }, (_, i) => meterRow({ timestamp: at(i), value: String(i) }));
    const counts = await Promise.all([store().addMeterValues(rows), store().addMeterValues(rows)]);
    assertEquals(counts[0]! + counts[1]!, 30);
    assertEquals((await store().listMeterValuesByChargePoint("CP-1", 100)).length, 30);
  });
}

/** One MeterValues `meterValue` element: the sampled values of one time, in order. */
function sampled(timestamp: string, transactionId: number | null, values: string[]): MeterValueRow[] {
  return values.map((value) => meterRow({ transactionId, timestamp, measurand: `M-${value}`, value }));
}

/**
 * Frames that repeat part of earlier ones: every sampled value is stored once and counted once, whatever
 * else of its time was stored before, and lists show each once in the order it was first stored.
 */
function partialOverlapCases(stationTest: Cases["stationTest"]): void {
  stationTest(
    "addMeterValues() of frames overlapping earlier ones at the same time stores each value once",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const tx = started.transaction.transactionId;
      const [a, b, c, d, e] = sampled(at(40), tx, ["a", "b", "c", "d", "e"]);
      assertEquals(await store().addMeterValues([a!, b!]), 2);
      // A superset, then an overlap on both sides, then a subset, then the same values in another order.
      assertEquals(await store().addMeterValues([a!, b!, c!]), 1);
      assertEquals(await store().addMeterValues([c!, d!]), 1);
      assertEquals(await store().addMeterValues([b!]), 0);
      assertEquals(await store().addMeterValues([d!, c!, b!, a!]), 0);
      assertEquals(await store().addMeterValues([e!, a!]), 1);
      assertEquals(await store().listMeterValuesByTransaction(tx), [a, b, c, d, e]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-1", 100), [e, d, c, b, a]);
      assertEquals(await store().addMeterValues([a!, b!, c!, d!, e!]), 0);
    },
  );

  stationTest(
    "addMeterValues() of a frame spanning stored and new times stores only the new values",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const tx = started.transaction.transactionId;
      const t1 = sampled(at(41), tx, ["1a", "1b"]);
      const t2 = sampled(at(42), tx, ["2a", "2b"]);
      const t3 = sampled(at(43), tx, ["3a"]);
      assertEquals(await store().addMeterValues([...t1, t2[0]!]), 3);
      assertEquals(await store().addMeterValues([t1[1]!, ...t2, ...t3]), 2);
      assertEquals(await store().listMeterValuesByTransaction(tx), [...t1, ...t2, ...t3]);
      // The limit counts rows, newest first, whatever entry holds them.
      assertEquals(await store().listMeterValuesByChargePoint("CP-1", 3), [t3[0], t2[1], t2[0]]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-1", 1), [t3[0]]);
    },
  );

  stationTest(
    "addMeterValues() keeps insertion order for one time across connectors and calls",
    async ({ store }) => {
      const a = meterRow({ connectorId: 1, timestamp: at(44), value: "a" });
      const b = meterRow({ connectorId: 2, timestamp: at(44), value: "b" });
      const c = meterRow({ connectorId: 1, timestamp: at(44), value: "c" });
      const d = meterRow({ connectorId: 2, timestamp: at(44), value: "d" });
      assertEquals(await store().addMeterValues([a, b, c]), 3);
      assertEquals(await store().addMeterValues([d, c, a]), 1);
      assertEquals(await store().listMeterValuesByChargePoint("CP-1", 10), [d, c, b, a]);
    },
  );

  stationTest(
    "addMeterValues() keeps a value stored under a transaction and at the same time without one apart",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const tx = started.transaction.transactionId;
      const [a, b] = sampled(at(45), tx, ["a", "b"]);
      assertEquals(await store().addMeterValues([a!]), 1);
      // The same sampled value without a transaction is another value (the station said it is no session's).
      const [a0, b0] = sampled(at(45), null, ["a", "b"]);
      assertEquals(await store().addMeterValues([a0!, b0!]), 2);
      assertEquals(await store().addMeterValues([a!, b!]), 1);
      assertEquals(await store().addMeterValues([a0!, b!, a!, b0!]), 0);
      assertEquals(await store().listMeterValuesByTransaction(tx), [a, b]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-1", 10), [b, b0, a0, a]);
    },
  );

  stationTest(
    "commit() from two store instances of overlapping frames at one time counts each value once",
    async (c) => {
      await c.t.step({
        name: "two instances on one backing store",
        ignore: c.another === null,
        fn: async () => {
          const other = await c.another!();
          try {
            let total = 0;
            for (let i = 0; i < 10; i++) {
              const rows = sampled(at(50 + i), null, ["a", "b", "c", "d"]);
              const counts = await Promise.all([
                c.store().addMeterValues(rows.slice(0, 3)),
                other.addMeterValues(rows.slice(1)),
              ]);
              total += counts[0]! + counts[1]!;
            }
            assertEquals(total, 40);
            assertEquals((await c.store().listMeterValuesByChargePoint("CP-1", 100)).length, 40);
          } finally {
            await other.close();
          }
        },
      });
    },
  );
}

/**
 * Every value received since `since`, by pages of `limit` (each full but the last), failing past `maxPages`
 * pages.
 */
async function receivedByPages(
  store: Pick<Store, "pageMeterValuesReceivedSince">,
  tx: number,
  since: string,
  limit: number,
  maxPages: number,
): Promise<MeterValueRow[]> {
  const rows: MeterValueRow[] = [];
  let after: ListCursor | undefined;
  for (let pages = 1;; pages++) {
    const page = await store.pageMeterValuesReceivedSince(tx, { since, limit, ...(after ? { after } : {}) });
    rows.push(...page.items);
    if (page.next === null) return rows;
    assertEquals(page.items.length, limit);
    if (pages > maxPages) throw new Error(`pages of ${limit}: still paging after ${pages} pages`);
    after = page.next;
  }
}
