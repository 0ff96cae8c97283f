import { assertEquals } from "@std/assert";
import {
  PROBLEM_MAX_CHARS,
  protocolErrorsClear,
  recentProtocolErrors,
  withProtocolError,
} from "./protocol_errors.ts";

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

Deno.test("withProtocolError() keeps only storable text: a quoted NUL, a lone surrogate, a pair split by the cut", () => {
  // A refusal's description quoting the station's field: PostgreSQL's jsonb takes neither NUL nor a lone
  // surrogate, and the station's whole record would be refused with it.
  const quoted = withProtocolError(undefined, {
    at: AT,
    action: "A\u0000\ud800",
    problem: 'bad "x\u0000y\udc00"',
  });
  assertEquals([quoted.lastAction, quoted.lastProblem], ["A\uFFFD\uFFFD", 'bad "x\uFFFDy\uFFFD"']);
  // An emoji (a surrogate pair) across the cut: its first half alone is no text.
  const split = withProtocolError(undefined, {
    at: AT,
    problem: "x".repeat(PROBLEM_MAX_CHARS - 2) + "😀".repeat(5),
  });
  assertEquals(split.lastProblem.isWellFormed(), true);
  assertEquals(split.lastProblem.length, PROBLEM_MAX_CHARS);
});

Deno.test("protocolErrorsClear() clears the errors last seen at that instant, however spelled, else says why not", () => {
  const errors = withProtocolError(undefined, { at: AT, problem: "FormationViolation: x" });
  assertEquals(protocolErrorsClear(errors, "2026-01-01T00:00:00Z"), { cleared: errors });
  assertEquals(protocolErrorsClear(errors, "2026-01-01T01:00:00+01:00"), { cleared: errors });
  assertEquals(protocolErrorsClear(errors, "2025-12-31T23:59:59Z"), {
    refused: "protocol_errors_changed",
    current: errors,
  });
  assertEquals(protocolErrorsClear(null, "2026-01-01T00:00:00Z"), { refused: "no_protocol_errors" });
  assertEquals(protocolErrorsClear(undefined, "2026-01-01T00:00:00Z"), { refused: "no_protocol_errors" });
});
