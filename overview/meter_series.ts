/**
 * A session's readings from its meter values, as pure functions shared by the server (energy of running
 * sessions, the transaction page) and the chart island (which appends new readings as they come): the
 * energy register and power per timestamp (the total when sent, else the sum of the phases, each once, in Wh and W;
 * of the outlet's meter when the station reports several, `model/meter_location.ts`), then energy since
 * meterStart in kWh and power in kW, measured or derived from the register.
 *
 * @example
 * ```ts
 * const readings = readingsOf(rows);
 * const { energy, power } = seriesOf(readings, 1000);
 * ```
 */
import { preferredLocation } from "../model/meter_location.ts";
import { meterTotal, type PhaseReading } from "../model/phase_total.ts";

/** The fields of a stored meter value that readings need. */
export interface MeterRow {
  transactionId: number | null;
  timestamp: string;
  value: string;
  format: string;
  measurand: string;
  phase: string | null;
  /** Absent: the outlet (OCPP's default). */
  location?: string;
  unit: string;
}

export interface Point {
  /** Epoch milliseconds. */
  t: number;
  v: number;
  /** The meter's location when not the outlet (a reading's, `followOneMeter`); absent once drawn as kWh, kW. */
  at?: string;
}

/** Energy register (Wh) and power (W) per timestamp, oldest first. */
export interface Readings {
  energy: Point[];
  power: Point[];
}

export interface MeterSeries {
  /** kWh delivered since the transaction's meterStart. */
  energy: Point[];
  /** kW. */
  power: Point[];
  /** Whether power was measured (true) or derived from energy deltas (false). */
  powerMeasured: boolean;
}

export const ENERGY_REGISTER = "Energy.Active.Import.Register";
const POWER = "Power.Active.Import";

function toBaseUnit(value: number, unit: string): number {
  return unit === "kWh" || unit === "kW" ? value * 1000 : value;
}

/**
 * One reading per timestamp: of one meter (the outlet's when several are reported), its total (no phase) when
 * sent, else its phases summed, each once (`meterTotal`, the rule the 2.0.1 ledger reads its start and stop by).
 */
function pick(rows: readonly MeterRow[], measurand: string): Point[] {
  const byTime = new Map<number, (PhaseReading & { location: string })[]>();
  for (const row of rows) {
    if (row.measurand !== measurand || row.format === "SignedData") continue;
    const value = Number(row.value);
    const t = Date.parse(row.timestamp);
    if (!Number.isFinite(value) || Number.isNaN(t)) continue;
    const readings = byTime.get(t) ?? [];
    readings.push({
      phase: row.phase,
      value: toBaseUnit(value, row.unit),
      location: row.location ?? "Outlet",
    });
    byTime.set(t, readings);
  }
  return [...byTime.entries()]
    .flatMap(([t, readings]) => {
      const location = preferredLocation(readings.map((r) => r.location));
      const v = meterTotal(readings.filter((r) => r.location === location));
      if (v === null) return [];
      return [location === "Outlet" ? { t, v } : { t, v, at: location! }];
    })
    .sort((a, b) => a.t - b.t);
}

/**
 * The points of one meter: the preferred location among all of the series' (`model/meter_location.ts`), not
 * each instant's: a station sampling at the outlet and sending clock-aligned values of its inlet (a grid meter
 * whose register counts for years) at other instants would have its inlet's register read as the session's.
 */
export function followOneMeter(points: readonly Point[]): Point[] {
  const location = preferredLocation(new Set(points.map((p) => p.at ?? "Outlet")));
  return points.filter((p) => (p.at ?? "Outlet") === location);
}

export function readingsOf(rows: readonly MeterRow[]): Readings {
  return {
    energy: followOneMeter(pick(rows, ENERGY_REGISTER)),
    power: followOneMeter(pick(rows, POWER)),
  };
}

/** `older` and `newer` as one series of one meter in time order; a timestamp in both takes `newer`'s value. */
export function mergePoints(older: readonly Point[], newer: readonly Point[]): Point[] {
  if (newer.length === 0) return [...older];
  const byTime = new Map(older.map((p) => [p.t, p]));
  for (const p of newer) byTime.set(p.t, p);
  return followOneMeter([...byTime.values()].sort((a, b) => a.t - b.t));
}

export function mergeReadings(older: Readings, newer: Readings): Readings {
  return { energy: mergePoints(older.energy, newer.energy), power: mergePoints(older.power, newer.power) };
}

export function seriesOf(readings: Readings, meterStart: number): MeterSeries {
  const energy = readings.energy.map((p) => ({ t: p.t, v: (p.v - meterStart) / 1000 }));
  const measured = readings.power.map((p) => ({ t: p.t, v: p.v / 1000 }));
  if (measured.length > 0) return { energy, power: measured, powerMeasured: true };
  const derived: Point[] = [];
  for (let i = 1; i < energy.length; i++) {
    const a = energy[i - 1]!;
    const b = energy[i]!;
    const hours = (b.t - a.t) / 3_600_000;
    if (hours > 0) derived.push({ t: b.t, v: Math.max(0, (b.v - a.v) / hours) });
  }
  return { energy, power: derived, powerMeasured: false };
}

export function meterSeries(rows: readonly MeterRow[], meterStart: number): MeterSeries {
  return seriesOf(readingsOf(rows), meterStart);
}

/** The newest energy register reading of `transactionId` among `rows` (any order), in Wh; null if none. */
export function latestRegisterWh(rows: readonly MeterRow[], transactionId: number): number | null {
  const energy = followOneMeter(pick(rows.filter((r) => r.transactionId === transactionId), ENERGY_REGISTER));
  return energy.at(-1)?.v ?? null;
}
