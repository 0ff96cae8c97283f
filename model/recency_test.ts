import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { setMostRecent } from "./recency.ts";

Deno.test("setMostRecent keeps the most recently set keys, at most max, oldest dropped first", () => {
  const map = new Map<string, number>();
  setMostRecent(map, "a", 1, 2);
  setMostRecent(map, "b", 2, 2);
  setMostRecent(map, "a", 3, 2); // "a" is the most recent again
  setMostRecent(map, "c", 4, 2); // drops "b", the least recent
  assertEquals([...map], [["a", 3], ["c", 4]]);
});

Deno.test("setMostRecent with a max below the size trims to max", () => {
  const map = new Map([["a", 1], ["b", 2], ["c", 3]]);
  setMostRecent(map, "d", 4, 1);
  assertEquals([...map], [["d", 4]]);
});

Deno.test("setMostRecent drops exactly the least recent keys, whatever was set, deleted or cleared before", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant("clear" as const) }),
  );
  fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
    const map = new Map<number, number>();
    let model: number[] = []; // keys, least recent first
    ops.forEach((o, i) => {
      if (o.kind === "clear") {
        map.clear();
        model = [];
      } else if (o.kind === "delete") {
        map.delete(o.key);
        model = model.filter((k) => k !== o.key);
      } else {
        setMostRecent(map, o.key, i, max);
        model = [...model.filter((k) => k !== o.key), o.key].slice(-max);
      }
      assertEquals([...map.keys()], model);
    });
  }));
});

Deno.test("setMostRecent on a full map costs about what it costs on a small one", () => {
  // A Map keeps a dropped entry's slot until it is rehashed: finding the oldest from the start walked past
  // all of them, ~50-80x slower at 20,000 entries than at 100.
  const perSet = (max: number): number => {
    const map = new Map<number, number>();
    for (let i = 0; i < max; i++) setMostRecent(map, i, i, max);
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      for (let i = 0; i < 20_000; i++) setMostRecent(map, max + round * 20_000 + i, i, max);
      best = Math.min(best, performance.now() - start);
    }
    return best;
  };
  perSet(100); // warm-up
  const small = perSet(100);
  const full = perSet(20_000);
  assert(
    full < small * 5,
    `20,000 entries: ${full.toFixed(2)} ms per 20,000 sets, 100 entries: ${small.toFixed(2)} ms`,
  );
});
