/**
 * The four sampled values (energy, power, current, voltage) of one MeterValues, as the store probes
 * (`kv_commit_cost.ts`, `kv_tail.ts`, `pg_tx_cost.ts`) commit them: the same rows for every probe, so their figures compare.
 */
import type { MeterValueRow } from "../model/meter_value.ts";

const MEASURANDS = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage"];
const UNITS = ["Wh", "W", "A", "V"];

export function meterRows(
  chargePointId: string,
  transactionId: number | null,
  timestamp: string,
  meter: number,
): MeterValueRow[] {
  return MEASURANDS.map((measurand, i): MeterValueRow => ({
    chargePointId,
    connectorId: 1,
    transactionId,
    timestamp,
    value: String(i === 0 ? meter : 230 + i),
    context: "Sample.Periodic",
    format: "Raw",
    measurand,
    phase: i >= 2 ? "L1" : null,
    location: "Outlet",
    unit: UNITS[i]!,
    receivedAt: timestamp,
  }));
}
