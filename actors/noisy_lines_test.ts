import { assertEquals } from "@std/assert";
import { NoisyLines } from "./noisy_lines.ts";

Deno.test("NoisyLines writes the first lines of each kind and counts the rest by kind", () => {
  const lines = new NoisyLines(3);
  const written = Array.from({ length: 5 }, () => lines.allow("bad frame"));
  assertEquals(written, [true, true, true, false, false]);
  assertEquals(lines.allow("stray answer"), true);
  assertEquals(lines.notLogged(), { "bad frame": 2 });
});

Deno.test("NoisyLines has nothing to tell when every line was written", () => {
  const lines = new NoisyLines(3);
  lines.allow("bad frame");
  assertEquals(lines.notLogged(), null);
});
