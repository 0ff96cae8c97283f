import { assertEquals } from "@std/assert";
import { Counter, Histogram, Registry } from "prom-client";
import { CALL_SECONDS, CallStats, MESSAGES } from "./call_stats.ts";

const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01];

/** The same CALLs through prom-client's own Counter and Histogram: the exposition CallStats must match. */
function reference(calls: [string, string, number][]): Registry {
  const registry = new Registry();
  const messages = new Counter({
    name: MESSAGES,
    help: "CALLs from stations, by action and how they were answered (accepted or the CALLERROR code)",
    labelNames: ["action", "outcome"],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: CALL_SECONDS,
    help: "Time from the actor taking up a station's CALL to sending its answer (store commit included)",
    labelNames: ["action"],
    buckets: BOUNDS,
    registers: [registry],
  });
  for (const [action, outcome, s] of calls) {
    messages.inc({ action, outcome });
    seconds.observe({ action }, s);
  }
  return registry;
}

Deno.test("CallStats renders what prom-client's Counter and Histogram render for the same CALLs, scrape after scrape", async () => {
  const calls: [string, string, number][] = [
    ["Heartbeat", "accepted", 0.0002],
    ["Heartbeat", "accepted", 0.0005], // on a bound: in that bucket (le is inclusive)
    ["MeterValues", "accepted", 0.003],
    ["MeterValues", "FormationViolation", 0.02], // above every bound: +Inf only
    ["Heartbeat", "accepted", 0.001],
  ];
  const registry = new Registry();
  const stats = new CallStats(registry, BOUNDS);
  for (const [action, outcome, s] of calls.slice(0, 3)) stats.add(action, outcome, s);
  assertEquals(await registry.metrics(), await reference(calls.slice(0, 3)).metrics());
  // A second scrape adds only what came since the first (the counter is handed deltas).
  for (const [action, outcome, s] of calls.slice(3)) stats.add(action, outcome, s);
  assertEquals(await registry.metrics(), await reference(calls).metrics());
  assertEquals(await registry.metrics(), await reference(calls).metrics());
});
