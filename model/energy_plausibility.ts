/**
 * Whether a transaction's readings can be a real meter's: one broken meter must not poison the fleet's totals.
 * An implausible transaction is stored with its readings as sent (the station is never refused its stop), its
 * energy is unknown (`energyWh` null, so every total leaves it out) and it is flagged for an operator.
 *
 * - negative_reading: an energy register counts up from 0 (OCPP 1.6 meterStart/meterStop, 2.0.1
 *   Energy.Active.Import.Register, Wh); a reading below 0, or too large to hold exactly, is not one;
 * - meter_backwards: the stop reading is below the start's (a meter replaced or rolled over, firmware that
 *   resets it): the energy is not known;
 * - above_max_power: more energy than `MAX_PLAUSIBLE_POWER_W` could deliver in the session's time plus
 *   `DURATION_ALLOWANCE_MS`.
 */
import type { TransactionRecord } from "./transaction.ts";

/**
 * 5 MW: above the largest connector there is (the Megawatt Charging System goes up to 3.75 MW), so no real
 * session is refused its energy; a broken register is off by far more.
 */
export const MAX_PLAUSIBLE_POWER_W = 5_000_000;

/**
 * Added to the session's time: a station without a clock, or one that sends a session queued offline start
 * and stop at once, gives no duration to trust; an hour at 5 MW (5 MWh) still catches a broken register.
 */
export const DURATION_ALLOWANCE_MS = 60 * 60_000;

/** The least `maxEnergyWh` gives (a session of no time: the allowance alone): below it nothing is parsed. */
const ALWAYS_PLAUSIBLE_WH = Math.floor(MAX_PLAUSIBLE_POWER_W * DURATION_ALLOWANCE_MS / 3_600_000);

export const IMPLAUSIBLE_ENERGY_REASONS = ["negative_reading", "meter_backwards", "above_max_power"] as const;

export type ImplausibleEnergyReason = typeof IMPLAUSIBLE_ENERGY_REASONS[number];

export interface ImplausibleEnergy {
  reason: ImplausibleEnergyReason;
  /** above_max_power: the most energy (Wh) the session could have delivered. */
  maxWh?: number;
}

type Readings = Pick<
  TransactionRecord,
  | "meterStart"
  | "meterStop"
  | "startTimestamp"
  | "stopTimestamp"
  | "createdAt"
  | "stoppedAt"
  | "meterStartUnknown"
>;

/**
 * Why the transaction's readings cannot be a real meter's, or null. A running one is judged by its start
 * reading only.
 *
 * @example
 * ```ts ignore
 * implausibleEnergy({ ...tx, meterStart: -5e15, meterStop: 5e15 }); // { reason: "negative_reading" }
 * ```
 */
export function implausibleEnergy(t: Readings): ImplausibleEnergy | null {
  const start = t.meterStartUnknown ? null : t.meterStart;
  if ((start !== null && !isRegister(start)) || (t.meterStop !== null && !isRegister(t.meterStop))) {
    return { reason: "negative_reading" };
  }
  if (start === null || t.meterStop === null) return null;
  if (t.meterStop < start) return { reason: "meter_backwards" };
  // Most sessions: no time needs parsing (this is judged on every read of a transaction).
  if (t.meterStop - start <= ALWAYS_PLAUSIBLE_WH) return null;
  const maxWh = maxEnergyWh(t);
  return t.meterStop - start > maxWh ? { reason: "above_max_power", maxWh } : null;
}

/**
 * The most energy (Wh) a session could deliver in its time: the longer of the station's (its clock) and ours
 * (when its start and stop arrived), plus the allowance; `endMs` stands in for a running session's end.
 */
export function maxEnergyWh(
  t: Pick<Readings, "startTimestamp" | "stopTimestamp" | "createdAt" | "stoppedAt">,
  endMs?: number,
): number {
  const stationMs = spanMs(t.startTimestamp, t.stopTimestamp, endMs);
  const receivedMs = spanMs(t.createdAt, t.stoppedAt, endMs);
  const ms = Math.max(stationMs, receivedMs) + DURATION_ALLOWANCE_MS;
  return Math.floor(MAX_PLAUSIBLE_POWER_W * ms / 3_600_000);
}

/**
 * Why a running session's readings so far cannot be a real meter's, or null: judged as if it stopped at its
 * newest reading (`deliveredWh` since its start, at `nowMs`), as `implausibleEnergy` judges a stopped one.
 */
export function runningImplausibleEnergy(
  t: Readings,
  deliveredWh: number,
  nowMs: number,
): ImplausibleEnergy | null {
  if (!t.meterStartUnknown && !isRegister(t.meterStart)) return { reason: "negative_reading" };
  if (deliveredWh < 0) return { reason: "meter_backwards" };
  const maxWh = maxEnergyWh(t, nowMs);
  return deliveredWh > maxWh ? { reason: "above_max_power", maxWh } : null;
}

/**
 * What a running session delivered so far, as totals may count it: 0 when its readings are implausible
 * (`runningImplausibleEnergy`).
 */
export function plausibleRunningWh(t: Readings, deliveredWh: number, nowMs: number): number {
  return runningImplausibleEnergy(t, deliveredWh, nowMs) ? 0 : deliveredWh;
}

function isRegister(wh: number): boolean {
  return wh >= 0 && wh <= Number.MAX_SAFE_INTEGER;
}

function spanMs(from: string, to: string | null, endMs: number | undefined): number {
  const start = Date.parse(from);
  const end = to === null ? endMs ?? NaN : Date.parse(to);
  const ms = end - start;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
