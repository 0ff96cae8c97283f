/** The windows of several generator processes (of one server, or of all) as one. */
import { Histogram } from "../histogram.ts";
import { sumRecords } from "../results.ts";
import type { WindowReport } from "./load_generator.ts";

export interface MergedWindow {
  all: Histogram;
  byAction: Map<string, Histogram>;
  /** The longest generator window, ms. */
  ms: number;
  /** Answers per second: each generator's answers over its own window, summed. */
  perS: number;
  sent: number;
  timeouts: number;
  busySkips: number;
  unexpectedCloses: number;
  unanswered: number;
  badFrames: number;
  serverCalls: number;
  callErrors: Record<string, number>;
}

export function mergeWindows(reports: WindowReport[]): MergedWindow {
  const all = new Histogram();
  const byAction = new Map<string, Histogram>();
  for (const r of reports) {
    all.merge(r.latency.all);
    for (const [action, h] of Object.entries(r.latency.byAction)) {
      let merged = byAction.get(action);
      if (!merged) byAction.set(action, merged = new Histogram());
      merged.merge(h);
    }
  }
  const total = (
    k: "sent" | "timeouts" | "busySkips" | "unexpectedCloses" | "unanswered" | "badFrames" | "serverCalls",
  ) => reports.reduce((a, r) => a + r[k], 0);
  return {
    all,
    byAction,
    ms: Math.max(0, ...reports.map((r) => r.ms)),
    // The generators' windows are within a pipe round trip of each other.
    perS: Math.round(reports.reduce((a, r) => a + (r.ms > 0 ? r.replies / (r.ms / 1000) : 0), 0)),
    sent: total("sent"),
    timeouts: total("timeouts"),
    busySkips: total("busySkips"),
    unexpectedCloses: total("unexpectedCloses"),
    unanswered: total("unanswered"),
    badFrames: total("badFrames"),
    serverCalls: total("serverCalls"),
    callErrors: sumRecords(reports.map((r) => r.callErrors)),
  };
}
