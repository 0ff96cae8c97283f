import { assertEquals } from "@std/assert";
import { StationTagBudget } from "./station_tag_budget.ts";

const MINUTE = 60_000;

Deno.test("StationTagBudget lets a station list `burst` new tags, then one per refill interval", () => {
  const budget = new StationTagBudget({ burst: 3, refillMs: MINUTE, recent: 10, maxStations: 100 });
  const admitted = ["a", "b", "c", "d"].map((t) => budget.admit("CP-1", t, 0));
  assertEquals(admitted, [true, true, true, false]);
  assertEquals(budget.admit("CP-1", "d", MINUTE / 2), false);
  assertEquals(budget.admit("CP-1", "d", MINUTE), true);
  assertEquals(budget.admit("CP-1", "e", MINUTE), false);
  // Another station has its own budget.
  assertEquals(budget.admit("CP-2", "x", 0), true);
});

Deno.test("StationTagBudget lets a tag the station presented lately pass without spending", () => {
  const budget = new StationTagBudget({ burst: 2, refillMs: MINUTE, recent: 2, maxStations: 100 });
  assertEquals([budget.admit("CP-1", "a", 0), budget.admit("CP-1", "b", 0)], [true, true]);
  for (let i = 0; i < 50; i++) assertEquals(budget.admit("CP-1", i % 2 ? "a" : "b", i), true);
  assertEquals(budget.admit("CP-1", "c", 60), false);
  // Only the last `recent` pass freely: once "c" is listed (a refill), "b" (presented least lately) needs a
  // token again, "a" does not.
  assertEquals(budget.admit("CP-1", "c", 60 + MINUTE), true);
  assertEquals(budget.admit("CP-1", "a", 60 + MINUTE), true);
  assertEquals(budget.admit("CP-1", "b", 60 + MINUTE), false);
});

Deno.test("StationTagBudget remembers at most maxStations stations, the least recent dropped", () => {
  const budget = new StationTagBudget({ burst: 1, refillMs: MINUTE, recent: 1, maxStations: 2 });
  assertEquals(budget.admit("CP-1", "a", 0), true);
  assertEquals(budget.admit("CP-1", "b", 0), false);
  budget.admit("CP-2", "x", 0);
  budget.admit("CP-3", "y", 0);
  // CP-1 was forgotten: a fresh budget.
  assertEquals(budget.admit("CP-1", "b", 0), true);
});
