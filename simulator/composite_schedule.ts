/**
 * What a connector may draw at a moment, and over a window (GetCompositeSchedule, OCPP 1.6 §3.13.4, §5.7),
 * from the installed profiles: within a purpose the highest stackLevel whose schedule covers the moment wins
 * (an expired one falls through to the next), a TxProfile overrides TxDefaultProfiles, and the
 * ChargePointMaxProfile caps the result. Limits are computed in watts; amperes convert with the connector's
 * voltage and phases.
 */
import type { InstalledProfile } from "./charging_profiles.ts";
import {
  type ChargingRateUnit,
  type ChargingSchedule,
  type ChargingSchedulePeriod,
  parseOcppTime,
} from "./ocpp.ts";

/** The connector's electrical side: what one ampere is worth in watts. */
export interface Electrical {
  /** Volts per phase. */
  voltage: number;
  phases: number;
}

/** What a connector's limit depends on besides its profiles. */
export interface ConnectorContext {
  connectorId: number;
  electrical: Electrical;
  /** The running transaction: Relative profiles start at its start; a TxProfile exists only with it. */
  transaction?: { startedAt: number; transactionId?: number };
  /** Where a Relative profile starts without a transaction (GetCompositeSchedule: "if one started now"). */
  relativeStart: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Watts of a schedule limit (OCPP 1.6 §7.13: numberPhases defaults to 3). */
export function toWatts(
  limit: number,
  unit: ChargingRateUnit,
  electrical: Electrical,
  numberPhases = 3,
): number {
  return unit === "W" ? limit : limit * electrical.voltage * Math.min(numberPhases, electrical.phases);
}

/** A limit in `unit`, with the one decimal the schema allows (`multipleOf: 0.1`). */
export function fromWatts(watts: number, unit: ChargingRateUnit, electrical: Electrical): number {
  const value = unit === "W" ? watts : watts / (electrical.voltage * electrical.phases);
  return Math.round(value * 10) / 10;
}

/** When the occurrence of `entry`'s schedule that covers `t` started, or null before it ever starts. */
function scheduleStart(entry: InstalledProfile, t: number, relativeStart: number): number | null {
  const { profile } = entry;
  const startSchedule = profile.chargingSchedule.startSchedule;
  switch (profile.chargingProfileKind) {
    case "Absolute":
      return startSchedule ? parseOcppTime(startSchedule) : relativeStart;
    case "Relative":
      return relativeStart;
    case "Recurring": {
      if (!startSchedule) return null;
      const base = parseOcppTime(startSchedule);
      if (t < base) return null;
      const period = profile.recurrencyKind === "Weekly" ? WEEK_MS : DAY_MS;
      return base + Math.floor((t - base) / period) * period;
    }
  }
}

/** `entry`'s limit in watts at `t`, or null when it does not apply then. */
export function profileLimitAt(
  entry: InstalledProfile,
  t: number,
  relativeStart: number,
  electrical: Electrical,
): number | null {
  const { profile } = entry;
  if (profile.validFrom && t < parseOcppTime(profile.validFrom)) return null;
  if (profile.validTo && t >= parseOcppTime(profile.validTo)) return null;
  const start = scheduleStart(entry, t, relativeStart);
  if (start === null || t < start) return null;
  const schedule = profile.chargingSchedule;
  const offsetS = (t - start) / 1000;
  if (schedule.duration !== undefined && offsetS >= schedule.duration) return null;
  let limit: ChargingSchedulePeriod | undefined;
  for (const period of schedule.chargingSchedulePeriod) {
    if (period.startPeriod <= offsetS) limit = period;
  }
  if (!limit) return null;
  return toWatts(limit.limit, schedule.chargingRateUnit, electrical, limit.numberPhases);
}

/** Highest stackLevel first; at one level a connector's own profile before the station-wide one. */
function byPrecedence(a: InstalledProfile, b: InstalledProfile): number {
  return b.profile.stackLevel - a.profile.stackLevel || b.connectorId - a.connectorId;
}

function stacked(
  candidates: readonly InstalledProfile[],
  t: number,
  relativeStart: number,
  electrical: Electrical,
): number | null {
  for (const entry of [...candidates].sort(byPrecedence)) {
    const limit = profileLimitAt(entry, t, relativeStart, electrical);
    if (limit !== null) return limit;
  }
  return null;
}

/** The profiles that bear on a connector (connector 0: the station as a whole). */
function relevant(installed: readonly InstalledProfile[], ctx: ConnectorContext) {
  const { connectorId, transaction } = ctx;
  const onThis = (e: InstalledProfile) => e.connectorId === connectorId || e.connectorId === 0;
  return {
    max: installed.filter((e) => e.profile.chargingProfilePurpose === "ChargePointMaxProfile"),
    tx: connectorId === 0 || !transaction
      ? []
      : installed.filter((e) =>
        e.connectorId === connectorId && e.profile.chargingProfilePurpose === "TxProfile" &&
        (e.profile.transactionId === undefined || transaction.transactionId === undefined ||
          e.profile.transactionId === transaction.transactionId)
      ),
    txDefault: connectorId === 0
      ? []
      : installed.filter((e) => onThis(e) && e.profile.chargingProfilePurpose === "TxDefaultProfile"),
  };
}

/**
 * The limit in watts the profiles set for a connector at `t`, or null when none applies. Connector 0 answers
 * for the station as a whole: its ChargePointMaxProfile.
 *
 * @example
 * ```ts
 * limitAt(installed, Date.now(), { connectorId: 1, electrical: { voltage: 230, phases: 3 }, relativeStart: 0 });
 * ```
 */
export function limitAt(
  installed: readonly InstalledProfile[],
  t: number,
  ctx: ConnectorContext,
): number | null {
  const sets = relevant(installed, ctx);
  const relativeStart = ctx.transaction?.startedAt ?? ctx.relativeStart;
  const max = stacked(sets.max, t, relativeStart, ctx.electrical);
  const tx = stacked(sets.tx, t, relativeStart, ctx.electrical) ??
    stacked(sets.txDefault, t, relativeStart, ctx.electrical);
  if (max === null) return tx;
  return tx === null ? max : Math.min(tx, max);
}

/** Every moment in [start, end) at which one of the profiles may change its limit. */
function breakpoints(
  installed: readonly InstalledProfile[],
  start: number,
  end: number,
  relativeStart: number,
): number[] {
  const points = new Set<number>([start]);
  const add = (t: number) => {
    if (t > start && t < end) points.add(t);
  };
  for (const { profile } of installed) {
    if (profile.validFrom) add(parseOcppTime(profile.validFrom));
    if (profile.validTo) add(parseOcppTime(profile.validTo));
    const schedule = profile.chargingSchedule;
    const occurrences: number[] = [];
    if (profile.chargingProfileKind === "Recurring") {
      if (!schedule.startSchedule) continue;
      const base = parseOcppTime(schedule.startSchedule);
      const period = profile.recurrencyKind === "Weekly" ? WEEK_MS : DAY_MS;
      const first = base + Math.max(0, Math.floor((start - base) / period)) * period;
      for (let t = first; t < end; t += period) occurrences.push(t);
    } else {
      occurrences.push(
        profile.chargingProfileKind === "Absolute" && schedule.startSchedule
          ? parseOcppTime(schedule.startSchedule)
          : relativeStart,
      );
    }
    for (const occurrence of occurrences) {
      add(occurrence);
      for (const period of schedule.chargingSchedulePeriod) add(occurrence + period.startPeriod * 1000);
      if (schedule.duration !== undefined) add(occurrence + schedule.duration * 1000);
    }
  }
  return [...points].sort((a, b) => a - b);
}

/**
 * The composite schedule of a connector over [start, start + durationS): one period per change of limit,
 * in `unit`, where no profile applies the connector's own maximum (`hardwareW`).
 *
 * @example
 * ```ts
 * compositeSchedule(installed, ctx, Date.parse("2030-01-01T00:00:00Z"), 3600, "A", 22080);
 * // { duration: 3600, startSchedule: "2030-01-01T00:00:00.000Z", chargingRateUnit: "A",
 * //   chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, ...] }
 * ```
 */
export function compositeSchedule(
  installed: readonly InstalledProfile[],
  ctx: ConnectorContext,
  start: number,
  durationS: number,
  unit: ChargingRateUnit,
  hardwareW: number,
): ChargingSchedule {
  const end = start + durationS * 1000;
  const relativeStart = ctx.transaction?.startedAt ?? ctx.relativeStart;
  const periods: ChargingSchedule["chargingSchedulePeriod"] = [];
  for (const t of breakpoints(installed, start, end, relativeStart)) {
    const watts = Math.min(limitAt(installed, t, ctx) ?? hardwareW, hardwareW);
    const limit = fromWatts(watts, unit, ctx.electrical);
    const startPeriod = Math.round((t - start) / 1000);
    const last = periods.at(-1);
    if (last && last.limit === limit) continue;
    if (last && last.startPeriod === startPeriod) last.limit = limit;
    else periods.push({ startPeriod, limit });
  }
  return {
    duration: durationS,
    startSchedule: new Date(start).toISOString(),
    chargingRateUnit: unit,
    chargingSchedulePeriod: periods,
  };
}
