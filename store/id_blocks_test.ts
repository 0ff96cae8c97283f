import { assertEquals, assertRejects } from "@std/assert";
import { IdBlocks } from "./id_blocks.ts";

Deno.test("IdBlocks hands out every reserved id once, reserving one block at a time for concurrent callers", async () => {
  const reservations: number[] = [];
  let top = 0;
  const ids = new IdBlocks((n) => {
    reservations.push(n);
    const block = Array.from({ length: n }, () => ++top);
    return new Promise((resolve) => setTimeout(() => resolve(block), 1));
  }, 10);
  const got = await Promise.all(Array.from({ length: 25 }, () => ids.next()));
  assertEquals([...got].sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 1));
  assertEquals(reservations, [10, 10, 10]);
});

Deno.test("IdBlocks passes a failed reservation on and tries again on the next call", async () => {
  let fail = true;
  const ids = new IdBlocks(() =>
    fail ? Promise.reject(new Error("Cannot reserve: down")) : Promise.resolve([7])
  );
  await assertRejects(() => ids.next(), Error, "down");
  fail = false;
  assertEquals(await ids.next(), 7);
});
