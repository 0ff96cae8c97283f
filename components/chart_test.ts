import { assertEquals } from "@std/assert";
import { ticks } from "./chart.tsx";

Deno.test("ticks() are round numbers covering the range", () => {
  assertEquals(ticks(0, 1), [0, 0.25, 0.5, 0.75, 1]);
  assertEquals(ticks(0, 7.6), [0, 2, 4, 6]);
  assertEquals(ticks(5, 5), [5]);
});
