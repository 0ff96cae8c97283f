import { assert, assertEquals } from "@std/assert";
import { nextSession } from "./drivers.ts";
import { createRandom } from "./random.ts";

Deno.test("nextSession() picks idTags from the list, stays within bounds, arrives at the planned rate", () => {
  const random = createRandom(5);
  const plan = { sessionsPerHour: 2, idTags: ["A", "B"], stayMinutes: [10, 20] as const };
  const sessions = Array.from({ length: 4000 }, () => nextSession(random, plan));
  assertEquals(new Set(sessions.map((s) => s.idTag)), new Set(["A", "B"]));
  assert(sessions.every((s) => s.staysMs >= 600_000 && s.staysMs < 1_200_000));
  const meanGapMin = sessions.reduce((sum, s) => sum + s.afterMs, 0) / sessions.length / 60_000;
  assert(meanGapMin > 28 && meanGapMin < 32, `mean gap ${meanGapMin} min`);
});
