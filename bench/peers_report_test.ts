import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { PeerTarget } from "./options.ts";
import {
  conditionsTable,
  figuresOf,
  figureSpecs,
  formatRatio,
  formatValue,
  machineLine,
  markdownTable,
  type PeerFootprint,
  type PeerWindow,
  quietestWindows,
  ratioLines,
  ratiosOf,
} from "./peers_report.ts";

const latency = (p50: number, p99: number) => ({ count: 100, p50, p95: p99, p99, max: p99, mean: p50 });

function window(
  target: PeerTarget,
  scenario: string,
  perS: number,
  extra: Partial<PeerWindow> = {},
): PeerWindow {
  return {
    target,
    scenario,
    round: 1,
    seconds: 8,
    targetPerS: null,
    sent: perS * 8,
    replies: perS * 8,
    perS,
    latencyMs: latency(1, 5),
    byActionMs: {},
    callErrors: {},
    timeouts: 0,
    busySkips: 0,
    unexpectedCloses: 0,
    unanswered: 0,
    badFrames: 0,
    serverCpuPct: 99,
    serverWaitPct: 3,
    serverCpuUsPerMsg: 1e6 / perS,
    serverThreadsPct: {},
    postgresCpuUsPerMsg: null,
    generatorCpuPct: 40,
    generatorWaitPct: 5,
    irqCores: 0.1,
    otherCores: 0.1,
    ...extra,
  };
}

function footprint(target: PeerTarget, rssPerStationBytes: number, bootS: number): PeerFootprint {
  return {
    target,
    stations: 10_000,
    ready: 10_000,
    failed: 0,
    bootRatePerS: 2000,
    bootS,
    bootLatencyMs: latency(1, 3),
    rssBeforeMB: 50,
    rssAfterMB: 50 + rssPerStationBytes * 10_000 / 1024 / 1024,
    rssPerStationBytes,
    heapPerStationBytes: rssPerStationBytes / 2,
    serverCpuPctDuringBoot: 50,
    generatorCpuPctDuringBoot: 30,
    otherCores: 0,
  };
}

const specs = figureSpecs([2000], 10_000, 2000);

function figuresFor(target: PeerTarget, perS: number, p99: number, rss: number, bootS: number) {
  const windows = [
    window(target, "saturation", perS),
    window(target, "saturation-tx", perS / 2),
    window(target, "fixed-2000", 2000, {
      latencyMs: latency(p99 / 4, p99),
      targetPerS: 2000,
      loopLagMs: latency(p99 / 8, p99 / 2),
    }),
  ];
  return figuresOf(target, windows, footprint(target, rss, bootS), [2000]);
}

Deno.test("quietestWindows() keeps, per server and scenario, the window with the least other load", () => {
  const noisy = window("kv", "saturation", 1000, { round: 1, otherCores: 1.2 });
  const quiet = window("kv", "saturation", 1500, { round: 2, otherCores: 0.2 });
  const other = window("raw", "saturation", 60_000, { round: 1, otherCores: 0.9 });
  assertEquals(quietestWindows([noisy, quiet, other]), [quiet, other]);
});

Deno.test("figuresOf() reads every issue-19 figure from the windows and the footprint", () => {
  const f = figuresFor("kv", 2000, 40, 42_000, 6.5);
  assertEquals(f.values, {
    saturation: 2000,
    cpuPerMsg: 500,
    saturationTx: 1000,
    cpuPerMsgTx: 1000,
    "fixed2000.achieved": 2000,
    "fixed2000.p50": 10,
    "fixed2000.p99": 40,
    "fixed2000.lagP99": 20,
    rssPerStation: 42,
    rssSettled: null,
    boot: 6.5,
  });
  assertEquals(f.flags, {});
});

Deno.test("figuresOf() flags a busy generator, other load, CALLERRORs, timeouts, stations that did not boot", () => {
  const windows = [
    window("raw", "saturation", 70_000, { generatorCpuPct: 97 }),
    window("raw", "saturation-tx", 20_000, { otherCores: 1.2, serverCpuPct: 31.2 }),
    window("raw", "fixed-2000", 1990, { callErrors: { "MeterValues: InternalError": 3 }, timeouts: 2 }),
  ];
  const fp = { ...footprint("raw", 20_000, 5), ready: 9_990, bootS: null };
  const f = figuresOf("raw", windows, fp, [2000]);
  assertEquals(f.flags.saturation, ["generator at 97% of its core"]);
  assertEquals(f.flags["fixed2000.achieved"], ["3 CALLERROR", "2 timeouts"]);
  assertEquals(f.flags.saturationTx, ["other load 1.2 cores (server at 31% of its core)"]);
  assertEquals(f.flags.boot, ["10 of 10000 did not boot"]);
  assertEquals([f.values.saturationTx, f.values.boot], [20_000, null]);
});

Deno.test("formatRatio() keeps two significant digits, and formatValue() rounds by unit", () => {
  assertEquals([formatRatio(0.0712), formatRatio(1.234), formatRatio(12.6), formatRatio(null)], [
    "0.071x",
    "1.2x",
    "13x",
    "-",
  ]);
  assertEquals(
    [
      formatValue(55_123.4, "msgs/s"),
      formatValue(0.834, "ms"),
      formatValue(29.14, "ms"),
      formatValue(412.6, "µs"),
    ],
    ["55,123", "0.83", "29.1", "413"],
  );
});

Deno.test("ratioLines() prints each figure of ours as a ratio to both peers", () => {
  const figures = {
    raw: figuresFor("raw", 60_000, 0.8, 22_000, 5.1),
    "ocpp-rpc": figuresFor("ocpp-rpc", 30_000, 3, 17_000, 5.3),
    kv: figuresFor("kv", 2_100, 650, 42_000, 9),
  };
  const ratios = ratiosOf(figures, specs);
  assertEquals(ratios.kv!["ocpp-rpc"]!.saturation, 0.07);
  const lines = ratioLines(ratios, specs);
  assertEquals(lines[0], "KV saturation 0.07x ocpp-rpc, 0.035x raw");
  assert(lines.includes("KV RSS/station 2.5x ocpp-rpc, 1.9x raw"), lines.join("\n"));
  assertEquals(lines.length, specs.length);
});

Deno.test("markdownTable() has a column per server and per ratio, and footnotes for doubtful values", () => {
  const figures = {
    raw: figuresOf("raw", [window("raw", "saturation", 70_000, { generatorCpuPct: 95 })], undefined, [2000]),
    "ocpp-rpc": figuresFor("ocpp-rpc", 30_000, 3, 17_000, 5.3),
    kv: figuresFor("kv", 2_100, 650, 42_000, 9),
    postgres: figuresFor("postgres", 8_200, 29, 35_000, 7),
  };
  const table = markdownTable(figures, ratiosOf(figures, specs), specs);
  const [header, align, first] = table.split("\n");
  assertEquals(
    header,
    "|  | raw Deno | ocpp-rpc strict | ours, KV | ours, PostgreSQL | KV ÷ ocpp-rpc | KV ÷ raw | " +
      "PostgreSQL ÷ ocpp-rpc | PostgreSQL ÷ raw |",
  );
  assertEquals(align, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  assertEquals(
    first,
    "| saturation (Heartbeat + MeterValues), msgs/s | 70,000 [1] | 30,000 | 2,100 | 8,200 | 0.07x | 0.03x | " +
      "0.27x | 0.12x |",
  );
  assertStringIncludes(
    table,
    "[1] raw Deno, saturation (Heartbeat + MeterValues): generator at 95% of its core",
  );
  assertStringIncludes(
    table,
    "| RSS per idle station (10,000 held), KB | - | 17 | 42 | 35 | 2.5x | - | 2.1x | - |",
  );
});

Deno.test("conditionsTable() shows, per counted window, how much each server got its core", () => {
  const table = conditionsTable([
    window("raw", "saturation", 60_000, {
      serverCpuPct: 71.4,
      serverWaitPct: 22.6,
      generatorCpuPct: 93,
      otherCores: 0.4,
    }),
    window("kv", "saturation", 2_000),
    window("kv", "fixed-5000", 2_000, { otherCores: 1.2 }),
  ]);
  assertEquals(table.split("\n"), [
    "| server CPU / waited for its core / generator CPU / other load (cores) | raw Deno | ours, KV |",
    "| --- | ---: | ---: |",
    "| saturation | 71% / 23% / 93% / 0.4 | 99% / 3% / 40% / 0.1 |",
    "| fixed 5,000 msgs/s | - | 99% / 3% / 40% / 1.2 |",
    "",
  ]);
});

Deno.test("with --settle, the settled RSS is its own figure and row, as a ratio like the first reading", () => {
  const settledSpecs = figureSpecs([2000], 10_000, 2000, 45);
  const keys = settledSpecs.map((s) => s.key);
  assertEquals(keys.indexOf("rssSettled"), keys.indexOf("rssPerStation") + 1);
  assertEquals(specs.some((s) => s.key === "rssSettled"), false);
  const settled = (target: PeerTarget, bytes: number) =>
    figuresOf(
      target,
      [],
      { ...footprint(target, 60_000, 5), settleS: 45, rssSettledPerStationBytes: bytes },
      [
        2000,
      ],
    );
  const figures = { "ocpp-rpc": settled("ocpp-rpc", 17_000), kv: settled("kv", 25_500) };
  assertEquals(figures.kv.values.rssSettled, 25.5);
  assertStringIncludes(
    markdownTable(figures, ratiosOf(figures, settledSpecs), settledSpecs),
    "| RSS per idle station (10,000 held), after 45 s more idle, KB | 17 | 25.5 | 1.5x |",
  );
});

Deno.test("machineLine() names the most other load, or says when a run counted no windows", () => {
  assertEquals(
    machineLine(1.25, [1, 2.5, 3]),
    "Other load on the machine during the windows: up to 1.25 cores (load average 1.00, 2.50, 3.00 at the start).",
  );
  assertEquals(
    machineLine(null, [0.5, 1, 1]),
    "No counted windows in this run (load average 0.50, 1.00, 1.00 at the start).",
  );
});
