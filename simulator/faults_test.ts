import { assert, assertEquals } from "@std/assert";
import { nextFault } from "./faults.ts";
import { createRandom } from "./random.ts";

Deno.test("nextFault() arrives at the planned rate and lasts about the planned time", () => {
  const random = createRandom(11);
  const plan = { ratePerHour: 6, durationS: 60 };
  const faults = Array.from({ length: 5000 }, () => nextFault(random, plan, 2));
  const meanGapS = faults.reduce((sum, f) => sum + f.afterMs, 0) / faults.length / 1000;
  assert(meanGapS > 570 && meanGapS < 630, `mean gap ${meanGapS} s`);
  assert(faults.every((f) => f.lastsMs >= 30_000 && f.lastsMs <= 90_000));
  const kinds = new Set(faults.map((f) => f.fault.kind));
  assertEquals([...kinds].sort(), ["connector", "disconnect", "silence"]);
  for (const f of faults) {
    if (f.fault.kind === "connector") assert(f.fault.connectorId >= 1 && f.fault.connectorId <= 2);
  }
});

Deno.test("nextFault() repeats itself for the same seed", () => {
  const plan = { ratePerHour: 1, durationS: 10 };
  assertEquals(nextFault(createRandom(3), plan, 4), nextFault(createRandom(3), plan, 4));
});
