/**
 * OCPP 2.0.1 meter values as the ledger stores them (the same rows as 1.6's): one row per sampled value, the
 * EVSE id where 1.6 has the connector id, the value with its unit multiplier applied, and the energy register
 * readings a transaction's start and end are computed from (in Wh).
 */
import type { MeterValueRow } from "../../../model/meter_value.ts";
import { meterTotal, type PhaseReading } from "../../../model/phase_total.ts";
import type { EnergyReadings } from "../../../model/transaction_event.ts";
import type { RequestOf } from "../../../protocol/ocpp201/mod.ts";
import { toUtcIso } from "../../../protocol/ocppj/time.ts";

type MeterValue = RequestOf<"MeterValues">["meterValue"][number];
type SampledValue = MeterValue["sampledValue"][number];

const REGISTER = "Energy.Active.Import.Register";

/** OCPP 2.0.1 SampledValueType defaults (Part 2 §2 datatypes). */
function measurandOf(s: SampledValue): string {
  return s.measurand ?? REGISTER;
}

function scaled(s: SampledValue): number {
  return s.value * 10 ** (s.unitOfMeasure?.multiplier ?? 0);
}

/**
 * The reading in its unit, as text: value x 10^multiplier, in exponent form when a number cannot hold it (a
 * multiplier of 400 would make Infinity, or NaN times 0; -400 would make 0 of 5): the reading as sent, never
 * NaN or Infinity.
 */
function scaledText(s: SampledValue): string {
  if (s.value === 0) return "0";
  const v = scaled(s);
  if (Number.isFinite(v) && v !== 0) return String(v);
  const [mantissa, exponent] = s.value.toExponential().split("e");
  return `${mantissa}e${Number(exponent) + (s.unitOfMeasure?.multiplier ?? 0)}`;
}

/**
 * One row per sampled value, and for a signed one (`signedMeterValue`) a second row beside it: 2.0.1 sends
 * the reading as a number and its signed record apart, so the reading is a `Raw` row like any other (energy,
 * charts, load management read it) and the record a `SignedData` row whose value is the `signedMeterValue`
 * object as JSON text (signedMeterData, signingMethod, encodingMethod, publicKey, as sent: a transparency
 * tool needs them all), where 1.6 puts its signed data.
 */
export function toMeterRows201(
  chargePointId: string,
  evseId: number,
  transactionId: number | null,
  meterValues: readonly MeterValue[],
  receivedAt: string,
): MeterValueRow[] {
  return meterValues.flatMap((mv) => {
    const timestamp = toUtcIso(mv.timestamp);
    return mv.sampledValue.flatMap((s): MeterValueRow[] => {
      const row: MeterValueRow = {
        chargePointId,
        connectorId: evseId,
        transactionId,
        timestamp,
        value: scaledText(s),
        context: s.context ?? "Sample.Periodic",
        format: "Raw",
        measurand: measurandOf(s),
        phase: s.phase ?? null,
        location: s.location ?? "Outlet",
        unit: s.unitOfMeasure?.unit ?? (measurandOf(s).startsWith("Energy") ? "Wh" : ""),
        receivedAt,
      };
      if (!s.signedMeterValue) return [row];
      return [row, { ...row, value: JSON.stringify(s.signedMeterValue), format: "SignedData" }];
    });
  });
}

/**
 * The whole-meter Energy.Active.Import.Register readings at the outlet of `meterValues`, in Wh: what the EV
 * was given. An Inlet reading (the grid side: the station's own use too) or an EV's (its own count) is another
 * meter, kept as a row: mixed with the outlet's, a start from one and a stop from another would be the energy.
 * The readings of one time and context are one reading of the meter: its total, else its phases summed
 * (`meterTotal`, the rule 1.6's readings follow too), each converted to Wh first.
 */
export function energyReadings(meterValues: readonly MeterValue[]): EnergyReadings {
  const groups = new Map<string, { at: string; context: string | undefined; readings: PhaseReading[] }>();
  for (const mv of meterValues) {
    const at = toUtcIso(mv.timestamp);
    for (const s of mv.sampledValue) {
      if (measurandOf(s) !== REGISTER || (s.location ?? "Outlet") !== "Outlet") continue;
      const unit = s.unitOfMeasure?.unit ?? "Wh";
      const wh = scaled(s) * (unit === "kWh" ? 1000 : 1);
      // A reading no meter gives (1e300 Wh, or Infinity from its multiplier) is kept as a row, not as energy.
      if (!Number.isSafeInteger(Math.round(wh))) continue;
      const key = `${at} ${s.context ?? ""}`;
      const group = groups.get(key) ?? { at, context: s.context, readings: [] };
      group.readings.push({ phase: s.phase ?? null, value: wh });
      groups.set(key, group);
    }
  }
  const out: EnergyReadings = { begin: null, end: null, latest: null };
  let latestAt = "";
  for (const { at, context, readings } of groups.values()) {
    const total = meterTotal(readings);
    if (total === null) continue;
    const wh = Math.round(total);
    if (!Number.isSafeInteger(wh)) continue;
    if (context === "Transaction.Begin") out.begin = wh;
    if (context === "Transaction.End") out.end = wh;
    if (at >= latestAt) {
      latestAt = at;
      out.latest = wh;
    }
  }
  return out;
}
