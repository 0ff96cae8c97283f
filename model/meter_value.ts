/** Meter values as stored: one row per sampled value, with the spec's defaults applied. */
import { toUtcIso } from "../protocol/ocppj/time.ts";
import type { RequestOf } from "../protocol/ocpp16/mod.ts";
import { SAMPLED_VALUE_DEFAULTS } from "../protocol/ocpp16/enums.ts";

/** One sampled value, with the spec's defaults already applied by the caller. */
export interface MeterValueRow {
  chargePointId: string;
  connectorId: number;
  /** An existing transaction or null; callers resolve unknown ids to null. */
  transactionId: number | null;
  timestamp: string;
  value: string;
  context: string;
  format: string;
  measurand: string;
  phase: string | null;
  location: string;
  unit: string;
  receivedAt: string;
}

type MeterValue = RequestOf<"MeterValues">["meterValue"][number];

/**
 * Two rows of one run (same station, connector, time and transaction) hold the same sampled value: the rest of
 * its natural key (measurand, phase, location, value, context). Both stores keep such a value once.
 */
export function sameSampledValue(a: MeterValueRow, b: MeterValueRow): boolean {
  return a.value === b.value && a.measurand === b.measurand && (a.phase ?? "") === (b.phase ?? "") &&
    a.location === b.location && a.context === b.context;
}

/** Flattens OCPP MeterValue objects into one row per sampled value (OCPP 1.6 §7.43 defaults). */
export function toMeterRows(
  chargePointId: string,
  connectorId: number,
  transactionId: number | null,
  meterValues: readonly MeterValue[],
  receivedAt: string,
): MeterValueRow[] {
  const rows: MeterValueRow[] = [];
  for (const meterValue of meterValues) {
    const timestamp = toUtcIso(meterValue.timestamp);
    for (const sampled of meterValue.sampledValue) {
      rows.push({
        chargePointId,
        connectorId,
        transactionId,
        timestamp,
        value: sampled.value,
        context: sampled.context ?? SAMPLED_VALUE_DEFAULTS.context,
        format: sampled.format ?? SAMPLED_VALUE_DEFAULTS.format,
        measurand: sampled.measurand ?? SAMPLED_VALUE_DEFAULTS.measurand,
        phase: sampled.phase ?? null,
        location: sampled.location ?? SAMPLED_VALUE_DEFAULTS.location,
        unit: sampled.unit ?? SAMPLED_VALUE_DEFAULTS.unit,
        receivedAt,
      });
    }
  }
  return rows;
}
