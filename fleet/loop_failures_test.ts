import { assertEquals } from "@std/assert";
import { FAILING_ROUNDS, LoopFailures } from "./loop_failures.ts";

const at = (iso: string) => () => new Date(iso);

Deno.test("LoopFailures: a loop is failing from its third failure in a row, since its first", () => {
  let now = "2026-12-07T10:00:00.000Z";
  const failures = new LoopFailures(() => new Date(now));
  failures.failed("jobs", new Error("Too many checks (max 100)"));
  now = "2026-12-07T10:00:05.000Z";
  failures.failed("jobs", new Error("Too many checks (max 100)"));
  assertEquals(failures.failing(), []);
  failures.failed("jobs", "database or disk is full");
  assertEquals(failures.failing(), [{
    name: "jobs",
    since: "2026-12-07T10:00:00.000Z",
    rounds: FAILING_ROUNDS,
    error: "database or disk is full",
  }]);
});

Deno.test("LoopFailures: a round that works clears the loop, and the next streak starts from one", () => {
  const failures = new LoopFailures(at("2026-12-07T10:00:00.000Z"));
  for (let i = 0; i < FAILING_ROUNDS; i++) failures.failed("retention", new Error("boom"));
  failures.worked("retention");
  assertEquals(failures.failing(), []);
  failures.failed("retention", new Error("boom"));
  assertEquals(failures.failing(), []);
});

Deno.test("LoopFailures: a long error is cut to 300 characters", () => {
  const failures = new LoopFailures(at("2026-12-07T10:00:00.000Z"));
  for (let i = 0; i < FAILING_ROUNDS; i++) failures.failed("webhooks", new Error("x".repeat(1000)));
  assertEquals(failures.failing()[0]?.error.length, 300);
});
