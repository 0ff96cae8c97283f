import { assertEquals } from "@std/assert";
import { Histogram } from "../histogram.ts";
import type { WindowReport } from "./load_generator.ts";
import { mergeWindows } from "./merged_window.ts";

function report(
  ms: number,
  latencies: Record<string, number[]>,
  extra: Partial<WindowReport> = {},
): WindowReport {
  const all = new Histogram();
  const byAction: WindowReport["latency"]["byAction"] = {};
  let replies = 0;
  for (const [action, values] of Object.entries(latencies)) {
    const h = new Histogram();
    for (const v of values) {
      h.record(v);
      all.record(v);
      replies++;
    }
    byAction[action] = h.toJSON();
  }
  return {
    ms,
    sent: replies,
    replies,
    callErrors: {},
    timeouts: 0,
    busySkips: 0,
    unexpectedCloses: 0,
    serverCalls: 0,
    badFrames: 0,
    unanswered: 0,
    latency: { all: all.toJSON(), byAction },
    ...extra,
  };
}

Deno.test("mergeWindows() adds each generator's rate over its own window and merges latencies by action", () => {
  const a = report(1000, { Heartbeat: [1, 2], MeterValues: [3] }, {
    callErrors: { "MeterValues: InternalError": 1 },
  });
  const b = report(2000, { Heartbeat: [4, 5, 6, 7] }, {
    callErrors: { "MeterValues: InternalError": 2 },
    timeouts: 1,
  });
  const m = mergeWindows([a, b]);
  assertEquals([m.perS, m.ms, m.sent, m.timeouts], [3 + 2, 2000, 7, 1]);
  assertEquals(m.all.count, 7);
  assertEquals(m.byAction.get("Heartbeat")!.count, 6);
  assertEquals(m.byAction.get("MeterValues")!.count, 1);
  assertEquals(m.callErrors, { "MeterValues: InternalError": 3 });
});
