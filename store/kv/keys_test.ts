import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { getAll, keyId, sameKey } from "./keys.ts";
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

Deno.test("sameKey() holds two keys the same exactly when their key ids are equal", () => {
  const part = fc.oneof(
    fc.constantFrom("tx", "1", "", "CP-1"),
    fc.constantFrom(1, 0, -0, Number.NaN, 1.5),
    fc.constantFrom(1n, 0n),
    fc.boolean(),
    fc.constantFrom([], [1], [1, 2]).map((bytes) => new Uint8Array(bytes)),
  );
  const key = fc.array(part, { maxLength: 4 }) as fc.Arbitrary<Deno.KvKey>;
  fc.assert(
    fc.property(key, key, (a, b) => {
      assertEquals(sameKey(a, b), keyId(a) === keyId(b));
      assertEquals(sameKey(a, a.slice()), true);
    }),
    { numRuns: 2000 },
  );
});
