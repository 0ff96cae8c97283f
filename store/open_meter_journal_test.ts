/**
 * KV_METER_JOURNAL in the server's store opener: off by default (meter values straight into the stations'
 * lists), `on` journals them, and entries a crash left behind are applied even with it off.
 */
import { assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { meterRow } from "./contract/harness.ts";
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

Deno.test("KV_METER_JOURNAL: off by default; on journals meter values; a crash's leftovers are applied with it off", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/csms.kv`;
    // Off (the default): no journal entry, the group is in the station's list at once.
    await withStores(path, undefined, async ({ store }) => {
      assertEquals(await store.addMeterValues(rows), 1);
      assertEquals((await journalEntries(path)).length, 0);
    });

    // On: the group is journaled first (its applier runs ~1.5 s later).
    const later = rows.map((r) => ({ ...r, timestamp: "2026-12-02T10:01:00.000Z" }));
    let leftover!: Deno.KvEntry<unknown>;
    await withStores(path, "on", async ({ store }) => {
      assertEquals(await store.addMeterValues(later), 1);
      const entries = await journalEntries(path);
      assertEquals(entries.length, 1);
      leftover = entries[0]!;
    });

    // What a crash before the apply leaves: the entry, not the group. Opened with the journal off, it is applied.
    const kv = await Deno.openKv(path);
    const applied = await Array.fromAsync(kv.list({ prefix: ["mv_cp", "CP-1", later[0]!.timestamp] }));
    const byTx = (await Array.fromAsync(kv.list<unknown[]>({ prefix: ["mv_tx", 7] })))
      .filter((e) =>
        JSON.stringify(e.key).includes(later[0]!.timestamp) ||
        JSON.stringify(e.value).includes(later[0]!.timestamp)
      );
    const undo = kv.atomic().set(leftover.key, leftover.value);
    for (const e of [...applied, ...byTx]) undo.delete(e.key);
    await undo.commit();
    kv.close();
    await withStores(path, "off", async ({ store }) => {
      const listed = await store.listMeterValuesByChargePoint("CP-1", 10);
      assertEquals(listed.map((r) => r.timestamp).sort(), [AT, later[0]!.timestamp]);
      assertEquals((await journalEntries(path)).length, 0);
      // A replay of it stores nothing new.
      assertEquals(await store.addMeterValues(later), 0);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
