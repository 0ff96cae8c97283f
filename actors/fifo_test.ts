import { assertEquals } from "@std/assert";
import { Fifo } from "./fifo.ts";
import { importOf, scavengesOf } from "../tests/helpers/scavenges.ts";

Deno.test("fifo: oldest first, across growth and wrap-around", () => {
  const q = new Fifo<number>();
  assertEquals([q.length, q.shift()], [0, undefined]);
  const taken: number[] = [];
  let next = 0;
  // Uneven adds and takes wrap the ring many times and grow it twice (4 -> 8 -> 16 slots).
  for (let round = 0; round < 50; round++) {
    for (let k = 0; k < (round % 7) + 1; k++) q.push(next++);
    for (let k = 0; k < (round % 5) + 1 && q.length > 0; k++) taken.push(q.shift()!);
  }
  while (q.length > 0) taken.push(q.shift()!);
  assertEquals(taken, Array.from({ length: next }, (_, i) => i));
  assertEquals(q.shift(), undefined);
});

Deno.test("fifo: a message in, a message out, again and again, allocates nothing for the collector", async () => {
  // An array with push and shift allocates a new backing store each time it fills again after emptying (~150
  // bytes, dozens of scavenges here with a 1 MB young generation); counted in a process of its own.
  const script = `
    ${importOf("Fifo", "./fifo.ts", import.meta.url)}
    const q = new Fifo();
    const message = { type: "frame" };
    for (let k = 0; k < 200000; k++) {
      q.push(message);
      if (k % 3 === 0) q.push(message);
      q.shift();
      if (k % 3 === 0) q.shift();
    }
  `;
  assertEquals(await scavengesOf(script), 0);
});
