import { assertEquals } from "@std/assert";
import { LAST_REOPEN_MS, reopenDelayMs } from "./reopen_delay.ts";

Deno.test("the wait before reopening a stream doubles from about 1 s and stops at 30 s", () => {
  const most = (attempt: number) => reopenDelayMs(attempt, () => 0.999999);
  assertEquals([0, 1, 2, 3, 4, 5, 6, 50].map(most), [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
});

Deno.test("the wait before reopening a stream is spread over half its range, so tabs do not return together", () => {
  assertEquals(reopenDelayMs(0, () => 0), 500);
  assertEquals(reopenDelayMs(10, () => 0), LAST_REOPEN_MS / 2);
  const waits = new Set(Array.from({ length: 50 }, () => reopenDelayMs(3)));
  for (const w of waits) assertEquals(w >= 4000 && w <= 8000, true, String(w));
  assertEquals(waits.size > 10, true);
});
