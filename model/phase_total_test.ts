import { assertEquals } from "@std/assert";
import { meterTotal } from "./phase_total.ts";

const r = (phase: string | null, value: number) => ({ phase, value });

Deno.test("meterTotal() sums the three phases of a meter that sends no total", () => {
  assertEquals(meterTotal([r("L1", 1000), r("L2", 1100), r("L3", 1200)]), 3300);
  assertEquals(meterTotal([r("L1-N", 2000), r("L2-N", 2100), r("L3-N", 2200)]), 6300);
  assertEquals(meterTotal([r("L1", 500)]), 500, "a single-phase meter");
});

Deno.test("meterTotal() takes a total as it is, never added to its phases", () => {
  assertEquals(meterTotal([r("L1", 3000), r(null, 10000), r("L2", 3000), r("L3", 4000)]), 10000);
});

Deno.test("meterTotal() counts a phase sent as L1 and L1-N once, and leaves out N and line-to-line", () => {
  assertEquals(
    meterTotal([r("L1-N", 4001), r("L1", 4000), r("L2", 4000), r("N", 70), r("L1-L2", 900)]),
    8000,
  );
  assertEquals(meterTotal([r("L1", 4000), r("L1-N", 4001)]), 4000);
  assertEquals(meterTotal([r("N", 70), r("L2-L3", 900)]), null);
  assertEquals(meterTotal([]), null);
});
