import { assertEquals } from "@std/assert";
import { KvRetentionStore } from "./retention.ts";

Deno.test("KV command log retention walks every id with entries, ids that sort close together included, in batches", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ids = ["A", "A\u0001", "AB", "B", "a", "CP-1", "CP-10", "CP-2"];
    for (const id of ids) {
      for (let j = 0; j < 3; j++) await kv.set(["cmd", id, `2020-01-0${j + 1}T00:00:00.000Z`, `s${j}`], j);
    }
    await kv.set(["cmd", "CP-1", "2030-01-01T00:00:00.000Z", "new"], 1);
    const retention = new KvRetentionStore(kv);
    const batches: number[] = [];
    for (let n = -1; n !== 0;) {
      batches.push(n = await retention.pruneCommandLog("2025-01-01T00:00:00.000Z", 4));
    }
    assertEquals(batches.reduce((a, b) => a + b, 0), 24);
    assertEquals(batches.every((n) => n <= 4), true);
    const left: Deno.KvKey[] = [];
    for await (const entry of kv.list({ prefix: ["cmd"] })) left.push(entry.key);
    assertEquals(left, [["cmd", "CP-1", "2030-01-01T00:00:00.000Z", "new"]]);
  } finally {
    kv.close();
  }
});
