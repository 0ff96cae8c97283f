import { assertEquals } from "@std/assert";
import { retryDelayMs } from "./backoff.ts";

Deno.test("retryDelayMs() doubles from the base up to the cap, jitter only shortening it", () => {
  const options = { baseMs: 1000, maxMs: 10_000 };
  assertEquals([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, options, 0)), [
    1000,
    2000,
    4000,
    8000,
    10_000,
    10_000,
  ]);
  assertEquals(retryDelayMs(2, options, 1), 1600);
  assertEquals(retryDelayMs(2, options, 0.5), 1800);
});
