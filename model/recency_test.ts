import { assertEquals } from "@std/assert";
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
