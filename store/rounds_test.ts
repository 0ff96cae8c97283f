import { assertEquals } from "@std/assert";
import { roundsByStation } from "./rounds.ts";

Deno.test("roundsByStation() puts each station once per round and keeps each station's order", () => {
  const batch = ["A", "B", "A", "C", "A", "B"];
  assertEquals(roundsByStation(batch, (s) => s), [[0, 1, 3], [2, 5], [4]]);
  assertEquals(roundsByStation([], (s: string) => s), []);
});
