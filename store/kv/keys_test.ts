import { assertEquals } from "@std/assert";
import { getAll } from "./keys.ts";
import { openKvHandle } from "./mod.ts";
import { withGetMany } from "../../tests/helpers/kv.ts";

Deno.test("getAll() reads ten keys per getMany in key order, and no keys without calling KV at all", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    for (let i = 0; i < 12; i++) await kv.set(["k", i], i * 10);
    const calls: number[] = [];
    const counting = withGetMany(kv, (keys, read) => {
      calls.push(keys.length);
      return read();
    });
    const entries = await getAll<number>(counting, Array.from({ length: 12 }, (_, i) => ["k", 11 - i]));
    assertEquals(entries.map((e) => e.value), Array.from({ length: 12 }, (_, i) => (11 - i) * 10));
    assertEquals(calls, [10, 2]);
    calls.length = 0;
    assertEquals(await getAll(counting, []), []);
    assertEquals(calls, [], "an empty read is not a KV call");
  } finally {
    kv.close();
  }
});
