/**
 * KV_METER_JOURNAL in the server's store opener: `off` (the default) writes meter values straight into the
 * stations' lists, `on` journals those of stations that send often in large group commits (`ADAPTIVE_*`), and
 * entries a crash left behind are applied even with it off (which then journals nothing new).
 */
import { assert, assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { meterRow } from "./contract/harness.ts";
import { ADAPTIVE_BATCH_FROM, ADAPTIVE_JOURNAL_FROM } from "./kv/meter_journal.ts";
import type { Store } from "./mod.ts";
import { openStores } from "./open.ts";

const AT = "2026-12-02T10:00:00.000Z";

const rows: MeterValueRow[] = [meterRow({ transactionId: 7, timestamp: AT, receivedAt: AT, value: "1200" })];

async function journalEntries(path: string): Promise<Deno.KvEntry<unknown>[]> {
  const kv = await Deno.openKv(path);
  try {
    return await Array.fromAsync(kv.list({ prefix: ["mv_j"] }));
  } finally {
    kv.close();
  }
}

async function withStores<T>(
  path: string,
  journal: string | undefined,
  run: (s: Awaited<ReturnType<typeof openStores>>) => Promise<T>,
) {
  const env: Record<string, string> = { KV_PATH: path };
  if (journal) env.KV_METER_JOURNAL = journal;
  const stores = await openStores(parseConfig(env), createMemoryLogger());
  try {
    return await run(stores);
  } finally {
    await stores.close();
  }
}

Deno.test("KV_METER_JOURNAL: off by default; on, it journals the meter values of stations sending often in large group commits; a crash's leftovers are applied with it off", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/csms.kv`;
    // Off (the default, no setting): no journal entry, the group is in the station's list at once.
    await withStores(path, undefined, async ({ store }) => {
      assertEquals(await store.addMeterValues(rows), 1);
      assertEquals((await journalEntries(path)).length, 0);
    });

    // On: stations that send often (ADAPTIVE_JOURNAL_FROM commits per interval), in group commits of
    // ADAPTIVE_BATCH_FROM MeterValues or more, journal (the applier runs ~1.5 s later); the others do not.
    const stations = Array.from({ length: 2 * ADAPTIVE_BATCH_FROM }, (_, i) => `CP-J${i}`);
    const minute = (m: number, chargePointId: string) =>
      rows.map((r) => ({
        ...r,
        chargePointId,
        timestamp: `2026-12-02T10:${String(m).padStart(2, "0")}:00.000Z`,
      }));
    const everyStation = (store: Store, m: number) =>
      Promise.all(stations.map(async (cp) => assertEquals(await store.addMeterValues(minute(m, cp)), 1)));
    let leftover!: Deno.KvEntry<unknown>;
    await withStores(path, "on", async ({ store }) => {
      for (let m = 1; m < ADAPTIVE_JOURNAL_FROM; m++) await everyStation(store, m);
      assertEquals((await journalEntries(path)).length, 0);
      await everyStation(store, ADAPTIVE_JOURNAL_FROM);
      const entries = await journalEntries(path);
      // (The first commit of a burst goes alone when none is in flight: a group commit of one.)
      assert(entries.length >= ADAPTIVE_BATCH_FROM, `${entries.length} journal entries`);
      leftover = entries[0]!;
    });
    const [, , station, time] = leftover.key as [string, number, string, string, number];

    // What a crash before the apply leaves: the entry, not the group. Opened with the journal off, it is applied.
    const kv = await Deno.openKv(path);
    const applied = await Array.fromAsync(kv.list({ prefix: ["mv_cp", station, time] }));
    const byTx = (await Array.fromAsync(kv.list<unknown[]>({ prefix: ["mv_tx", 7] })))
      .filter((e) => e.value[1] === station && e.value[2] === time);
    assertEquals([applied.length, byTx.length], [1, 1]);
    const undo = kv.atomic().set(leftover.key, leftover.value);
    for (const e of [...applied, ...byTx]) undo.delete(e.key);
    await undo.commit();
    kv.close();
    await withStores(path, undefined, async ({ store }) => {
      const listed = await store.listMeterValuesByChargePoint(station, 10);
      const times = Array.from(
        { length: ADAPTIVE_JOURNAL_FROM },
        (_, i) => minute(i + 1, station)[0]!.timestamp,
      );
      assertEquals(listed.map((r) => r.timestamp).sort(), times);
      assertEquals((await journalEntries(path)).length, 0);
      // A replay of it stores nothing new.
      assertEquals(await store.addMeterValues(minute(ADAPTIVE_JOURNAL_FROM, station)), 0);
      // Off, nothing new is journaled, however often and many stations send.
      for (let m = ADAPTIVE_JOURNAL_FROM + 1; m <= 2 * ADAPTIVE_JOURNAL_FROM + 2; m++) {
        await everyStation(store, m);
      }
      assertEquals((await journalEntries(path)).length, 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
