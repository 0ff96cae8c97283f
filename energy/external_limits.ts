/**
 * What an external charging limit a 2.0.1 station reported (NotifyChargingLimit K12: an EMS, the grid operator
 * or the station's owner limits it) lets one of its EVSEs draw now, in amps per phase: load management counts
 * a session at no more than that, so capacity the station may not use goes to the others.
 *
 * A limit applies to its EVSE, or with EVSE 0 to the whole station; the lowest in force wins. A schedule
 * without `startSchedule` runs from when we received it, one with a `duration` ends after it. Watts become
 * amps per phase at a nominal 230 V over the period's phases (three when it does not say). A limit sent
 * without a schedule says nothing about how much: it is not counted.
 *
 * @example
 * ```ts
 * const at = "2026-01-01T10:00:00.000Z";
 * externalLimitA(
 *   [{ evseId: 1, chargingLimitSource: "SO", isGridCritical: true, at, chargingSchedule: [
 *     { id: 1, chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
 *   ] }],
 *   1,
 *   new Date("2026-01-01T10:05:00.000Z"),
 * ); // 10
 * ```
 */
import type { ExternalChargingLimit } from "../model/charging_reports.ts";

/** The voltage a limit in watts is read at (per phase, EU low voltage). */
export const NOMINAL_VOLTAGE_V = 230;

interface SchedulePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

interface Schedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: string;
  chargingSchedulePeriod: SchedulePeriod[];
}

/** The lowest external limit in force on `evseId` at `now`, in amps per phase; null when none limits it. */
export function externalLimitA(
  limits: readonly ExternalChargingLimit[],
  evseId: number,
  now: Date,
): number | null {
  let lowest: number | null = null;
  for (const limit of limits) {
    if (limit.evseId !== 0 && limit.evseId !== evseId) continue;
    for (const schedule of (limit.chargingSchedule ?? []) as unknown as Schedule[]) {
      const amps = scheduleAmpsAt(schedule, Date.parse(limit.at), now.getTime());
      if (amps !== null && (lowest === null || amps < lowest)) lowest = amps;
    }
  }
  return lowest;
}

/** The schedule's limit at `nowMs` in amps per phase, null outside it. */
function scheduleAmpsAt(schedule: Schedule, receivedMs: number, nowMs: number): number | null {
  const startMs = schedule.startSchedule === undefined ? receivedMs : Date.parse(schedule.startSchedule);
  if (!Number.isFinite(startMs) || nowMs < startMs) return null;
  const elapsedS = (nowMs - startMs) / 1000;
  if (schedule.duration !== undefined && elapsedS >= schedule.duration) return null;
  let current: SchedulePeriod | null = null;
  for (const period of schedule.chargingSchedulePeriod ?? []) {
    if (period.startPeriod <= elapsedS && (current === null || period.startPeriod >= current.startPeriod)) {
      current = period;
    }
  }
  if (current === null) return null;
  const amps = schedule.chargingRateUnit === "A"
    ? current.limit
    : schedule.chargingRateUnit === "W"
    ? current.limit / (NOMINAL_VOLTAGE_V * (current.numberPhases ?? 3))
    : null;
  // A limit stored before nonsense was refused (actors/handlers/bounds.ts): NaN (0 W over 0 phases) would make
  // every share of the site NaN, so it caps nothing; below zero is nothing at all.
  return amps === null || Number.isNaN(amps) ? null : Math.max(0, amps);
}
