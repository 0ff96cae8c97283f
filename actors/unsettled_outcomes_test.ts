import { assertEquals } from "@std/assert";
import type { CommandLogEntry } from "../model/command_log.ts";
import { UnsettledOutcomes } from "./unsettled_outcomes.ts";

function entry(id: string, overrides: Partial<CommandLogEntry> = {}): CommandLogEntry {
  return {
    id,
    chargePointId: "CP-1",
    action: "Reset",
    payload: { type: "Soft" },
    requestedBy: "api",
    requestedAt: "2026-05-01T10:00:00.000Z",
    outcome: "accepted",
    response: { status: "Accepted" },
    finishedAt: "2026-05-01T10:00:01.000Z",
    ...overrides,
  };
}

Deno.test("UnsettledOutcomes keeps one place per row: a late answer joins its timeout as the store would settle it", () => {
  const outcomes = new UnsettledOutcomes(2);
  outcomes.keep(entry("a", { outcome: "timeout", response: null }), true);
  const lateAnswer = { outcome: "accepted" as const, response: { status: "Accepted" }, at: "x" };
  outcomes.keep(entry("a", { outcome: "timeout", response: null, lateAnswer }), true);
  assertEquals(outcomes.size, 1);
  assertEquals(outcomes.take().map((w) => [w.entry.outcome, w.entry.lateAnswer]), [["timeout", lateAnswer]]);
  assertEquals(outcomes.dropped, 0);
});

Deno.test("UnsettledOutcomes past its max keeps the rows stored sending over refusals, the oldest of each, and counts drops", () => {
  const outcomes = new UnsettledOutcomes(3);
  outcomes.keep(entry("refused-1", { outcome: "refused" }), false);
  outcomes.keep(entry("sent-1"), true);
  outcomes.keep(entry("refused-2", { outcome: "refused" }), false);
  // Full: a refusal more is dropped; a sent command's outcome takes the oldest refusal's place.
  assertEquals(outcomes.keep(entry("refused-3", { outcome: "refused" }), false), false);
  assertEquals(outcomes.keep(entry("sent-2"), true), true);
  assertEquals(outcomes.keep(entry("sent-3"), true), true);
  // Only sent ones left: the newcomer is dropped.
  assertEquals(outcomes.keep(entry("sent-4"), true), false);
  assertEquals(outcomes.dropped, 4);
  const taken = outcomes.take();
  assertEquals(taken.map((w) => w.entry.id), ["sent-1", "sent-2", "sent-3"]);
  // A failed write keeps them again ahead of what came meanwhile.
  outcomes.keep(entry("refused-4", { outcome: "refused" }), false);
  outcomes.keepAgain(taken);
  assertEquals(outcomes.take().map((w) => w.entry.id), ["sent-1", "sent-2", "sent-3"]);
  assertEquals(outcomes.dropped, 5);
  outcomes.droppedTold();
  assertEquals(outcomes.dropped, 0);
});
