import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { createRandom } from "./random.ts";

Deno.test("createRandom() repeats itself for the same seed and differs for another", () => {
  const a = createRandom(7), b = createRandom(7), c = createRandom(8);
  const seqA = Array.from({ length: 5 }, () => a.next());
  assertEquals(seqA, Array.from({ length: 5 }, () => b.next()));
  assertNotEquals(seqA, Array.from({ length: 5 }, () => c.next()));
  assert(seqA.every((x) => x >= 0 && x < 1));
});

Deno.test("fork() gives independent, reproducible sources per label", () => {
  const root = createRandom(1);
  assertEquals(root.fork("SIM-1").next(), createRandom(1).fork("SIM-1").next());
  assertNotEquals(root.fork("SIM-1").next(), root.fork("SIM-2").next());
});

Deno.test("int(), between() and pick() stay in their bounds", () => {
  const r = createRandom(3);
  for (let i = 0; i < 1000; i++) {
    const n = r.int(2, 4);
    assert(n >= 2 && n <= 4 && Number.isInteger(n));
    const x = r.between(10, 11);
    assert(x >= 10 && x < 11);
    assert(["a", "b"].includes(r.pick(["a", "b"])));
  }
  assertThrows(() => r.pick([]), RangeError);
});

Deno.test("exponential() has about the requested mean", () => {
  const r = createRandom(5);
  let sum = 0;
  for (let i = 0; i < 20000; i++) sum += r.exponential(10);
  const mean = sum / 20000;
  assert(mean > 9.5 && mean < 10.5, `mean ${mean}`);
});
