/**
 * A connector's energy meter and the EV behind it: power follows what the station offers (its profiles) and
 * what the car takes (its on-board charger, tapering as the battery fills), energy is the integral of power.
 * Pure: the station calls `advance()` on each tick and reads `sampledValues()` for MeterValues.
 */
import type { Electrical } from "./composite_schedule.ts";
import type { Measurand, ReadingContext, SampledValue } from "./ocpp.ts";

/** The car plugged into a connector. */
export interface Ev {
  capacityWh: number;
  /** State of charge, 0-100. */
  socPercent: number;
  /** What its on-board charger takes at most. */
  maxPowerW: number;
}

export interface Meter {
  /** The register: Wh since the meter was made; never goes down. */
  energyWh: number;
  /** What flows now. */
  powerW: number;
  /** What the station offers now (its limit). */
  offeredW: number;
}

/** Above this state of charge the car takes less and less (constant-voltage phase). */
const TAPER_FROM_SOC = 80;
/** Integration step: limits are read at the start of each step. */
const STEP_MS = 5000;

/**
 * What the car draws when offered `offeredW`.
 *
 * @example
 * ```ts
 * evDemandW({ capacityWh: 50_000, socPercent: 90, maxPowerW: 11_000 }, 22_000); // 5500
 * ```
 */
export function evDemandW(ev: Ev, offeredW: number): number {
  if (ev.socPercent >= 100) return 0;
  const taper = ev.socPercent <= TAPER_FROM_SOC
    ? 1
    : Math.max(0.1, (100 - ev.socPercent) / (100 - TAPER_FROM_SOC));
  return Math.max(0, Math.min(offeredW, ev.maxPowerW * taper));
}

/**
 * The meter and the car after charging from `from` to `to` (ms), with the offer read at the start of every
 * step of at most 5 s from `offerAt` (so a profile period that starts mid-interval is honoured).
 */
export function advance(
  meter: Meter,
  ev: Ev,
  from: number,
  to: number,
  offerAt: (t: number) => number,
): { meter: Meter; ev: Ev } {
  let energyWh = meter.energyWh;
  let socPercent = ev.socPercent;
  let powerW = meter.powerW;
  let offeredW = meter.offeredW;
  for (let t = from; t < to; t += STEP_MS) {
    const seconds = (Math.min(to, t + STEP_MS) - t) / 1000;
    offeredW = offerAt(t);
    powerW = evDemandW({ ...ev, socPercent }, offeredW);
    const wh = powerW * seconds / 3600;
    energyWh += wh;
    socPercent = Math.min(100, socPercent + wh / ev.capacityWh * 100);
  }
  if (to > from) {
    // What flows from now on, for the reading taken at `to`.
    offeredW = offerAt(to);
    powerW = evDemandW({ ...ev, socPercent }, offeredW);
  }
  return { meter: { energyWh, powerW, offeredW }, ev: { ...ev, socPercent } };
}

/** The measurands a virtual meter can read (MeterValuesSampledData accepts only these). */
export const SUPPORTED_MEASURANDS: readonly Measurand[] = [
  "Energy.Active.Import.Register",
  "Power.Active.Import",
  "Power.Offered",
  "Current.Import",
  "Current.Offered",
  "Voltage",
  "SoC",
];

const oneDecimal = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

/**
 * One reading as OCPP SampledValues, in the order of `measurands`. SoC needs a car; unknown measurands are
 * left out.
 *
 * @example
 * ```ts
 * sampledValues(meter, ev, ["Energy.Active.Import.Register"], "Sample.Periodic", { voltage: 230, phases: 3 });
 * // [{ value: "1234", context: "Sample.Periodic", measurand: "Energy.Active.Import.Register",
 * //    location: "Outlet", unit: "Wh" }]
 * ```
 */
export function sampledValues(
  meter: Meter,
  ev: Ev | null,
  measurands: readonly Measurand[],
  context: ReadingContext,
  electrical: Electrical,
): SampledValue[] {
  const amps = (watts: number) => watts / (electrical.voltage * electrical.phases);
  const values: SampledValue[] = [];
  const add = (
    measurand: Measurand,
    value: string,
    unit: SampledValue["unit"],
    location = "Outlet" as const,
  ) => values.push({ value, context, measurand, location, unit });
  for (const measurand of measurands) {
    switch (measurand) {
      case "Energy.Active.Import.Register":
        add(measurand, String(Math.floor(meter.energyWh)), "Wh");
        break;
      case "Power.Active.Import":
        add(measurand, oneDecimal(meter.powerW), "W");
        break;
      case "Power.Offered":
        add(measurand, oneDecimal(meter.offeredW), "W");
        break;
      case "Current.Import":
        add(measurand, oneDecimal(amps(meter.powerW)), "A");
        break;
      case "Current.Offered":
        add(measurand, oneDecimal(amps(meter.offeredW)), "A");
        break;
      case "Voltage":
        add(measurand, oneDecimal(electrical.voltage), "V");
        break;
      case "SoC":
        if (ev) {
          values.push({
            value: String(Math.floor(ev.socPercent)),
            context,
            measurand,
            location: "EV",
            unit: "Percent",
          });
        }
        break;
    }
  }
  return values;
}
