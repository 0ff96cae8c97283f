import { assertEquals } from "@std/assert";
import { keyId } from "./keys.ts";
import { pack, splitOversize, WriteSet } from "./write_set.ts";

function rows(n: number, checks = 0): WriteSet {
  const set = new WriteSet();
  for (let i = 0; i < checks; i++) set.check({ key: ["c", i, Math.random()], versionstamp: null });
  for (let i = 0; i < n; i++) {
    set.set(["mv", i, Math.random()], { value: "x".repeat(50) }, { idempotent: true });
  }
  return set;
}

Deno.test("pack() fills atomics in order within the limits and never splits a member", () => {
  const sets = Array.from({ length: 10 }, (_, index) => ({ index, set: rows(200) }));
  const { packs, oversize } = pack(sets);
  assertEquals(oversize, []);
  assertEquals(packs.map((p) => p.members), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
});

Deno.test("pack() counts checks: at most 100 per atomic", () => {
  const sets = Array.from({ length: 5 }, (_, index) => ({ index, set: rows(1, 40) }));
  assertEquals(pack(sets).packs.map((p) => p.members), [[0, 1], [2, 3], [4]]);
});

Deno.test("a member too big for one atomic is oversize; its natural-key writes split into chunks that fit", () => {
  const big = rows(2500, 1);
  big.set(["cp", "CP-1"], { id: "CP-1" });
  const { packs, oversize } = pack([{ index: 0, set: rows(1) }, { index: 1, set: big }]);
  assertEquals([packs.map((p) => p.members), oversize], [[[0]], [1]]);
  const split = splitOversize(big);
  const chunks = [...split.chunks];
  const rest = split.rest;
  assertEquals(chunks.reduce((n, c) => n + c.mutations.length, 0), 2500);
  assertEquals(chunks.every((c) => c.mutations.length <= 900), true);
  assertEquals([rest.checks.length, rest.mutations.length, rest.units.length], [1, 1, 0]);
});

Deno.test("a write set checks each key once, however many checks it holds and whatever its parts", () => {
  const keys: Deno.KvKey[] = [
    ["tx", 1],
    ["tx", 1n],
    ["tx", "1"],
    ["tx", true],
    ["tx", new Uint8Array([1, 2])],
    ["tx_open", "CP-1", 1],
    ["tx_start", "CP-1", 1, "2024-05-01T10:00:00.000Z", 0],
    ...Array.from({ length: 12 }, (_, i): Deno.KvKey => ["mv_cp", "CP-1", `2024-05-01T10:00:${i}`, 1]),
  ];
  const set = new WriteSet();
  // Every key three times, the copies equal but not the same arrays (bytes equal but not the same buffer).
  for (let round = 0; round < 3; round++) {
    for (const key of keys) {
      const copy = key.map((p) => p instanceof Uint8Array ? p.slice() : p);
      if (round === 1) set.unit([{ key: copy, versionstamp: null }], [], 0);
      else set.check({ key: copy, versionstamp: null });
    }
  }
  assertEquals(set.checks.map((c) => keyId(c.key)), keys.map(keyId));
  assertEquals(set.units.flatMap((u) => u.checks), []);
  assertEquals(set.size.checks, keys.length);
});
