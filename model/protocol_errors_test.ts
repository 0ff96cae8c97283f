import { assertEquals } from "@std/assert";
import { PROBLEM_MAX_CHARS, recentProtocolErrors, withProtocolError } from "./protocol_errors.ts";

const AT = new Date("2026-01-01T00:00:00Z");

Deno.test("withProtocolError() counts on and keeps only the last one, its problem cut to a readable length", () => {
  const first = withProtocolError(undefined, {
    at: AT,
    action: "Heartbeat",
    problem: "FormationViolation: x",
  });
  assertEquals(first, {
    count: 1,
    lastAt: AT.toISOString(),
    lastAction: "Heartbeat",
    lastProblem: "FormationViolation: x",
  });
  const second = withProtocolError(first, { at: new Date(AT.getTime() + 1000), problem: "y".repeat(5000) });
  assertEquals(second.count, 2);
  assertEquals(second.lastAction, undefined);
  assertEquals(second.lastProblem.length, PROBLEM_MAX_CHARS);
  assertEquals(second.lastProblem.endsWith("…"), true);
});

Deno.test("recentProtocolErrors() keeps errors whose last one is within the window, else null", () => {
  const errors = withProtocolError(undefined, { at: AT, problem: "p" });
  const day = 24 * 60 * 60 * 1000;
  assertEquals(recentProtocolErrors(errors, AT.getTime() + day), errors);
  assertEquals(recentProtocolErrors(errors, AT.getTime() + day + 1), null);
  assertEquals(recentProtocolErrors(undefined, AT.getTime()), null);
});
