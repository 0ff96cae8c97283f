import type { ProfileSummary } from "./profile.ts";
/**
 * The figures of `deno task bench --peers`, computed from the measured windows, as ratios of ours to each
 * peer, and as a markdown table. Pure: the scenario (`scenarios/peers.ts`) measures, this only reads.
 *
 * A ratio is always ours ÷ peer: above 1 is better for msgs/s, worse for latency, CPU, memory and boot time.
 */
import type { LatencySummary } from "./histogram.ts";
import type { PeerTarget } from "./options.ts";

/** One measured window: one scenario on one server in one round. */
export interface PeerWindow {
  target: PeerTarget;
  /** `saturation`, `saturation-tx` or `fixed-<rate>`. */
  scenario: string;
  round: number;
  seconds: number;
  /** The offered rate (msgs/s, all stations); null for saturation. */
  targetPerS: number | null;
  sent: number;
  replies: number;
  perS: number;
  latencyMs: LatencySummary;
  byActionMs: Record<string, LatencySummary>;
  callErrors: Record<string, number>;
  timeouts: number;
  busySkips: number;
  unexpectedCloses: number;
  unanswered: number;
  badFrames: number;
  /** Server process CPU over the window, % of one core (it is pinned to one). */
  serverCpuPct: number;
  /** Server threads runnable but waiting for a core, % of the window: how much it was starved. */
  serverWaitPct: number;
  serverCpuUsPerMsg: number | null;
  serverThreadsPct: Record<string, number>;
  /** PostgreSQL backends of our database (PostgreSQL target only), CPU µs per message. */
  postgresCpuUsPerMsg: number | null;
  /** All generator processes of this server together, % of one core. */
  generatorCpuPct: number;
  generatorWaitPct: number;
  /** Cores in interrupts and softirqs (mostly the loopback network stack carrying the benchmark). */
  irqCores: number;
  /** Cores used by processes outside the benchmark during the window (other work on a shared machine). */
  otherCores: number;
  /**
   * How long the window waited, before its load started, for every server of the run to be done with what
   * earlier windows left it (`scenarios/quiet.ts`), ms; absent in results written before it waited.
   */
  quietWaitMs?: number;
  /**
   * How late a 10 ms timer in the server fired over the window (`loop_lag.ts`): what a frame arriving at a
   * random moment waited for the JavaScript thread. Null when the probe did not answer.
   */
  loopLagMs?: LatencySummary | null;
  /** With `--profile`, ours at saturation: the V8 CPU profile of the window, summarised. */
  profile?: ProfileSummary | null;
}

export interface PeerFootprint {
  target: PeerTarget;
  stations: number;
  ready: number;
  failed: number;
  bootRatePerS: number;
  /** First connect to the last BootNotification answered; null unless every station booted. */
  bootS: number | null;
  bootLatencyMs: LatencySummary;
  rssBeforeMB: number | null;
  rssAfterMB: number | null;
  rssPerStationBytes: number | null;
  /**
   * The same after `settleS` more idle seconds (a full GC again): once V8's memory reducer has returned the heap
   * it reserved during the boot burst (it waits for idle time, and not before 30 s after the process started).
   */
  settleS?: number;
  rssSettledPerStationBytes?: number | null;
  heapTotalSettledPerStationBytes?: number | null;
  /** VmRSS (MB, no GC) every 5 s while settling: when the reserve was returned. */
  rssSettlingMB?: number[];
  /**
   * The settled figure's baseline: the fresh server after `settleS` idle seconds and a full GC, before any
   * station (its own start-up garbage returned too). Runs before 2026-12-02 lack it: their settled figures
   * were taken against `rssBeforeMB` and read low by that start-up drop.
   */
  rssIdleBaselineMB?: number | null;
  rssBaselineSettlingMB?: number[];
  /** V8 heap in use after a full GC, per station. */
  heapPerStationBytes: number | null;
  /** V8 heap reserved (heapTotal), per station: live heap plus what V8 keeps for growth. */
  heapTotalPerStationBytes?: number | null;
  /** Memory V8 knows is held outside its heap (ArrayBuffers, Deno resources), per station. */
  externalPerStationBytes?: number | null;
  serverCpuPctDuringBoot: number | null;
  generatorCpuPctDuringBoot: number | null;
  otherCores: number | null;
}

/** The issue-19 figures of one server. `flags` holds doubts about a figure, keyed like `FIGURES`. */
export interface PeerFigures {
  values: Record<string, number | null>;
  flags: Record<string, string[]>;
}

export interface FigureSpec {
  key: string;
  label: string;
  unit: "msgs/s" | "ms" | "µs" | "KB" | "s";
  higherIsBetter: boolean;
  /** Short name for ratio lines ("KV saturation 0.07x ocpp-rpc"). */
  short: string;
}

/** The figures, in table order, for the rates and station counts of a run. */
export function figureSpecs(
  rates: number[],
  footprintStations: number,
  bootRatePerS: number,
  settleS = 0,
): FigureSpec[] {
  const n = footprintStations.toLocaleString("en-US");
  const settled: FigureSpec[] = settleS > 0
    ? [{
      key: "rssSettled",
      label: `RSS per idle station (${n} held), after ${settleS} s more idle`,
      unit: "KB",
      higherIsBetter: false,
      short: "RSS/station settled",
    }]
    : [];
  return [
    {
      key: "saturation",
      label: "saturation (Heartbeat + MeterValues)",
      unit: "msgs/s",
      higherIsBetter: true,
      short: "saturation",
    },
    {
      key: "saturationTx",
      label: "saturation with transactions (Authorize, Start, 3x MeterValues, Stop)",
      unit: "msgs/s",
      higherIsBetter: true,
      short: "saturation with transactions",
    },
    ...rates.flatMap((r): FigureSpec[] => {
      const at = `fixed ${r.toLocaleString("en-US")} msgs/s`;
      return [
        {
          key: `fixed${r}.achieved`,
          label: `${at}: achieved`,
          unit: "msgs/s",
          higherIsBetter: true,
          short: `${at} achieved`,
        },
        { key: `fixed${r}.p50`, label: `${at}: p50`, unit: "ms", higherIsBetter: false, short: `${at} p50` },
        { key: `fixed${r}.p99`, label: `${at}: p99`, unit: "ms", higherIsBetter: false, short: `${at} p99` },
        {
          key: `fixed${r}.lagP99`,
          label: `${at}: event-loop lag p99`,
          unit: "ms",
          higherIsBetter: false,
          short: `${at} event-loop lag p99`,
        },
      ];
    }),
    {
      key: "cpuPerMsg",
      label: "server CPU per message (saturation)",
      unit: "µs",
      higherIsBetter: false,
      short: "CPU/msg",
    },
    {
      key: "cpuPerMsgTx",
      label: "server CPU per message (with transactions)",
      unit: "µs",
      higherIsBetter: false,
      short: "CPU/msg with transactions",
    },
    {
      key: "rssPerStation",
      label: `RSS per idle station (${n} held)`,
      unit: "KB",
      higherIsBetter: false,
      short: "RSS/station",
    },
    ...settled,
    {
      key: "boot",
      label: `boot ${n} stations at ${bootRatePerS.toLocaleString("en-US")}/s`,
      unit: "s",
      higherIsBetter: false,
      short: `boot ${n}`,
    },
  ];
}

/**
 * A generator at or above this share of its core may be what limits a saturation figure (its core also
 * carries part of the loopback network stack's interrupts).
 */
export const GENERATOR_BOUND_PCT = 80;

/** Other load on the machine (cores) from which a counted window's figures get a footnote. */
export const NOISY_OTHER_CORES = 0.5;

/**
 * When a scenario ran in several rounds, the window that counts is the one with the least other load on the
 * machine (interference only ever slows a server down).
 */
export function quietestWindows(windows: PeerWindow[]): PeerWindow[] {
  const best = new Map<string, PeerWindow>();
  for (const w of windows) {
    const key = `${w.target}|${w.scenario}`;
    const seen = best.get(key);
    if (!seen || w.otherCores < seen.otherCores) best.set(key, w);
  }
  return [...best.values()];
}

/** The figures of `target` from its (quietest) windows and its footprint run. */
export function figuresOf(
  target: PeerTarget,
  windows: PeerWindow[],
  footprint: PeerFootprint | undefined,
  rates: number[],
): PeerFigures {
  const values: Record<string, number | null> = {};
  const flags: Record<string, string[]> = {};
  const flag = (key: string, doubt: string) => (flags[key] ??= []).push(doubt);
  const windowOf = (scenario: string) => windows.find((w) => w.target === target && w.scenario === scenario);
  const doubts = (key: string, w: PeerWindow, saturation: boolean) => {
    const errors = Object.values(w.callErrors).reduce((a, b) => a + b, 0);
    if (errors) flag(key, `${errors} CALLERROR`);
    if (w.timeouts) flag(key, `${w.timeouts} timeouts`);
    if (w.unexpectedCloses) flag(key, `${w.unexpectedCloses} closes`);
    if (saturation && w.generatorCpuPct >= GENERATOR_BOUND_PCT) {
      flag(key, `generator at ${Math.round(w.generatorCpuPct)}% of its core`);
    }
    if (w.otherCores >= NOISY_OTHER_CORES) {
      flag(key, `other load ${w.otherCores} cores (server at ${Math.round(w.serverCpuPct)}% of its core)`);
    }
  };
  for (
    const [key, cpuKey, scenario] of [
      ["saturation", "cpuPerMsg", "saturation"],
      ["saturationTx", "cpuPerMsgTx", "saturation-tx"],
    ] as const
  ) {
    const w = windowOf(scenario);
    values[key] = w ? w.perS : null;
    values[cpuKey] = w?.serverCpuUsPerMsg ?? null;
    if (w) doubts(key, w, true);
  }
  for (const r of rates) {
    const w = windowOf(`fixed-${r}`);
    values[`fixed${r}.achieved`] = w ? w.perS : null;
    values[`fixed${r}.p50`] = w?.latencyMs.p50 ?? null;
    values[`fixed${r}.p99`] = w?.latencyMs.p99 ?? null;
    values[`fixed${r}.lagP99`] = w?.loopLagMs?.p99 ?? null;
    if (w) doubts(`fixed${r}.achieved`, w, false);
  }
  values.rssPerStation = footprint?.rssPerStationBytes == null ? null : footprint.rssPerStationBytes / 1000;
  values.rssSettled = footprint?.rssSettledPerStationBytes == null
    ? null
    : footprint.rssSettledPerStationBytes / 1000;
  values.boot = footprint?.bootS ?? null;
  if (footprint && footprint.ready < footprint.stations) {
    flag("boot", `${footprint.stations - footprint.ready} of ${footprint.stations} did not boot`);
  }
  return { values, flags };
}

/** ours ÷ peer, or null when either is missing or the peer's is 0. */
export function ratio(ours: number | null | undefined, peer: number | null | undefined): number | null {
  if (ours == null || peer == null || peer === 0) return null;
  return ours / peer;
}

/** `0.07x`, `1.2x`, `12x`: two significant digits below 10. */
export function formatRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return "-";
  return r >= 10 ? `${Math.round(r)}x` : `${Number(r.toPrecision(2))}x`;
}

export function formatValue(v: number | null | undefined, unit: FigureSpec["unit"]): string {
  if (v === null || v === undefined) return "-";
  if (unit === "msgs/s") return Math.round(v).toLocaleString("en-US");
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return Number(v.toFixed(digits)).toLocaleString("en-US");
}

export const OURS: readonly PeerTarget[] = ["kv", "postgres"];
// ocpp-rpc first: it is the target of issue 19; raw is the floor.
export const PEERS: readonly PeerTarget[] = ["ocpp-rpc", "raw"];
export const TARGET_NAMES: Record<PeerTarget, string> = {
  raw: "raw Deno",
  "ocpp-rpc": "ocpp-rpc strict",
  kv: "ours, KV",
  postgres: "ours, PostgreSQL",
};
const SHORT_NAMES: Record<PeerTarget, string> = {
  raw: "raw",
  "ocpp-rpc": "ocpp-rpc",
  kv: "KV",
  postgres: "PostgreSQL",
};

/** `ratios[ours][peer][figure]`. */
export type Ratios = Record<string, Record<string, Record<string, number | null>>>;

export function ratiosOf(figures: Partial<Record<PeerTarget, PeerFigures>>, specs: FigureSpec[]): Ratios {
  const out: Ratios = {};
  for (const ours of OURS) {
    if (!figures[ours]) continue;
    out[ours] = {};
    for (const peer of PEERS) {
      if (!figures[peer]) continue;
      out[ours][peer] = Object.fromEntries(
        specs.map((s) => [s.key, ratio(figures[ours]!.values[s.key], figures[peer]!.values[s.key])]),
      );
    }
  }
  return out;
}

/** One line per figure of ours: "KV saturation 0.07x ocpp-rpc, 0.04x raw". */
export function ratioLines(ratios: Ratios, specs: FigureSpec[]): string[] {
  const lines: string[] = [];
  for (const [ours, byPeer] of Object.entries(ratios)) {
    for (const s of specs) {
      const parts = Object.entries(byPeer).map(([peer, r]) =>
        `${formatRatio(r[s.key] ?? null)} ${SHORT_NAMES[peer as PeerTarget]}`
      );
      if (parts.length) lines.push(`${SHORT_NAMES[ours as PeerTarget]} ${s.short} ${parts.join(", ")}`);
    }
  }
  return lines;
}

/**
 * The markdown table: one row per figure; a column per server, then one per (ours, peer) ratio. A value
 * with doubts gets a footnote number; the notes follow the table.
 */
export function markdownTable(
  figures: Partial<Record<PeerTarget, PeerFigures>>,
  ratios: Ratios,
  specs: FigureSpec[],
): string {
  const targets = (["raw", "ocpp-rpc", "kv", "postgres"] as const).filter((t) => figures[t]);
  const ratioColumns = Object.entries(ratios).flatMap(([ours, byPeer]) =>
    Object.keys(byPeer).map((peer) => [ours, peer] as const)
  );
  const header = [
    "",
    ...targets.map((t) => TARGET_NAMES[t]),
    ...ratioColumns.map(([o, p]) => `${SHORT_NAMES[o as PeerTarget]} ÷ ${SHORT_NAMES[p as PeerTarget]}`),
  ];
  const notes: string[] = [];
  const rows = specs.map((s) => [
    `${s.label}, ${s.unit}`,
    ...targets.map((t) => {
      const doubts = figures[t]!.flags[s.key];
      const value = formatValue(figures[t]!.values[s.key], s.unit);
      if (!doubts?.length) return value;
      notes.push(`${TARGET_NAMES[t]}, ${s.label}: ${doubts.join(", ")}`);
      return `${value} [${notes.length}]`;
    }),
    ...ratioColumns.map(([o, p]) => formatRatio(ratios[o]![p]![s.key] ?? null)),
  ]);
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const table = [
    line(header),
    line(header.map((_, i) => (i === 0 ? "---" : "---:"))),
    ...rows.map(line),
  ].join("\n");
  return notes.length ? `${table}\n\n${notes.map((n, i) => `[${i + 1}] ${n}`).join("  \n")}\n` : `${table}\n`;
}

const SCENARIO_NAMES: Record<string, string> = {
  saturation: "saturation",
  "saturation-tx": "saturation with transactions",
};

/**
 * How undisturbed each counted window was: per scenario and server, the server's CPU (% of its core) and how
 * long it waited for its core, the generators' CPU, and the other load on the machine. A server that waited
 * much was starved by other work: its throughput and latency figures are worse than the server is.
 */
export function conditionsTable(counted: PeerWindow[]): string {
  const targets = (["raw", "ocpp-rpc", "kv", "postgres"] as const).filter((t) =>
    counted.some((w) => w.target === t)
  );
  const scenarios = [...new Set(counted.map((w) => w.scenario))];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const rows = scenarios.map((scenario) => {
    const label = SCENARIO_NAMES[scenario] ??
      scenario.replace(/^fixed-(\d+)$/, (_, r) => `fixed ${Number(r).toLocaleString("en-US")} msgs/s`);
    return line([
      label,
      ...targets.map((t) => {
        const w = counted.find((x) => x.target === t && x.scenario === scenario);
        if (!w) return "-";
        return `${Math.round(w.serverCpuPct)}% / ${Math.round(w.serverWaitPct)}% / ${
          Math.round(w.generatorCpuPct)
        }% / ${w.otherCores}`;
      }),
    ]);
  });
  return [
    line([
      "server CPU / waited for its core / generator CPU / other load (cores)",
      ...targets.map((t) => TARGET_NAMES[t]),
    ]),
    line(["---", ...targets.map(() => "---:")]),
    ...rows,
  ].join("\n") + "\n";
}

/**
 * The line under the conditions: the most other load seen in any window (`otherCoresMax`), or null when there
 * were no windows (a `--footprint-only` run counts none).
 */
export function machineLine(otherCoresMax: number | null, loadAverageAtStart: readonly number[]): string {
  const load = `load average ${loadAverageAtStart.map((l) => l.toFixed(2)).join(", ")} at the start`;
  if (otherCoresMax === null) return `No counted windows in this run (${load}).`;
  return `Other load on the machine during the windows: up to ${otherCoresMax} cores (${load}).`;
}
