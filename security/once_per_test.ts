import { assertEquals } from "@std/assert";
import { OncePer } from "./once_per.ts";

Deno.test("OncePer lets one event per key through per window", () => {
  const once = new OncePer(10_000, 2);
  assertEquals([once.due("a", 0), once.due("a", 9_999), once.due("b", 5), once.due("a", 10_000)], [
    true,
    false,
    true,
    true,
  ]);
  // Past maxKeys it forgets: at worst one extra event.
  once.due("c", 10_001);
  assertEquals(once.due("a", 10_002), true);
});
