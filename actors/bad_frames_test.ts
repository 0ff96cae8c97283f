import { assertEquals } from "@std/assert";
import { BadFrames } from "./bad_frames.ts";

const MINUTE = 60_000;

/** Adds a bad frame at each of `times` (ms): the first one that says to close, or null. */
function closingAt(badFrames: BadFrames, times: number[]): number | null {
  return times.find((at) => badFrames.add(at)) ?? null;
}

Deno.test("BadFrames closes at the limit's bad frame when they come at once", () => {
  const badFrames = new BadFrames({ limit: 10, windowMs: 10 * MINUTE });
  assertEquals(closingAt(badFrames, Array.from({ length: 9 }, () => 0)), null);
  assertEquals(badFrames.add(0), true);
});

Deno.test("BadFrames never closes for bad frames no faster than the limit per window", () => {
  // One a minute is 10 per 10 minutes: as fast as the tolerance refills, for a month.
  const badFrames = new BadFrames({ limit: 10, windowMs: 10 * MINUTE });
  const aMonth = Array.from({ length: 30 * 24 * 60 }, (_, i) => i * MINUTE);
  assertEquals(closingAt(badFrames, aMonth), null);
});

Deno.test("BadFrames closes bad frames faster than the limit per window once they outrun the leak by the limit", () => {
  const badFrames = new BadFrames({ limit: 10, windowMs: 10 * MINUTE });
  // One every 20 s, three times the leak: the 13th (at 240 s) leaves exactly 13 - 12/3 = 9 counted, tolerated;
  // the 14th (at 260 s) leaves 14 - 13/3 > 9.
  const every20s = Array.from({ length: 20 }, (_, i) => i * 20_000);
  assertEquals(closingAt(badFrames, every20s), 260_000);
});

Deno.test("BadFrames judges a burst after a quiet period on its own", () => {
  const badFrames = new BadFrames({ limit: 10, windowMs: 10 * MINUTE });
  assertEquals(closingAt(badFrames, Array.from({ length: 9 }, () => 0)), null);
  // One refill period (a minute) after nine, a tenth is tolerated; the whole window drains the count.
  assertEquals(badFrames.add(MINUTE), false);
  const later = MINUTE + 10 * MINUTE;
  assertEquals(closingAt(badFrames, Array.from({ length: 9 }, () => later)), null);
  assertEquals(badFrames.add(later), true);
});

Deno.test("BadFrames with a limit of 1 closes at the first bad frame", () => {
  assertEquals(new BadFrames({ limit: 1, windowMs: 10 * MINUTE }).add(0), true);
});
