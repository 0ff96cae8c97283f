/**
 * The meter journal survives SIGKILL: a process stores meter values through the KV store's journal (its
 * applier held off) and is killed while entries are still in the journal; the next open applies them before
 * serving. Every group acknowledged before the kill is stored once, and a replay of it stores nothing new.
 */
import { assert, assertEquals } from "@std/assert";
import type { MeterValueRow } from "../model/meter_value.ts";
import { openKvStore } from "../store/kv/mod.ts";

const CHILD = new URL("./helpers/meter_journal_child.ts", import.meta.url).pathname;
const STATIONS = 8;
/** Acknowledged groups to wait for before the kill. */
const KILL_AFTER = 60;

Deno.test("Deno KV journal: SIGKILL with acknowledged meter values still in the journal loses nothing and stores nothing twice", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv-journal-crash-" });
  const path = `${dir}/csms.kv`;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, path, String(STATIONS)],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const acked: MeterValueRow[][] = [];
    let buffer = "";
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    while (acked.length < KILL_AFTER) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        acked.push(JSON.parse(buffer.slice(0, nl)) as MeterValueRow[]);
        buffer = buffer.slice(nl + 1);
      }
    }
    child.kill("SIGKILL");
    await reader.cancel();
    assertEquals((await child.status).signal, "SIGKILL");
    assert(acked.length >= KILL_AFTER, `the child acknowledged only ${acked.length} groups`);

    // The kill left entries in the journal (its applier never ran).
    const raw = await Deno.openKv(path);
    let journaled = 0;
    for await (const _ of raw.list({ prefix: ["mv_j"] })) journaled++;
    raw.close();
    assert(journaled >= KILL_AFTER, `only ${journaled} journal entries after the kill`);

    const store = await openKvStore(path);
    try {
      for (let s = 0; s < STATIONS; s++) {
        const listed = await store.listMeterValuesByChargePoint(`CP-J${s}`, 100_000);
        const ids = listed.map((r) => `${r.timestamp} ${r.measurand}`);
        assertEquals(new Set(ids).size, ids.length, `CP-J${s}: a value stored twice`);
        const stored = new Set(ids);
        for (const rows of acked.filter((g) => g[0]!.chargePointId === `CP-J${s}`)) {
          for (const r of rows) {
            assert(stored.has(`${r.timestamp} ${r.measurand}`), `lost ${JSON.stringify(r)}`);
          }
        }
      }
      // Replays of everything acknowledged store nothing new.
      for (const rows of acked) assertEquals(await store.addMeterValues(rows), 0);
    } finally {
      await store.close();
    }
    const after = await Deno.openKv(path);
    let left = 0;
    for await (const _ of after.list({ prefix: ["mv_j"] })) left++;
    after.close();
    assertEquals(left, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
