/** A stored meter value row of a station's current (Current.Import, phase L1, in A), for unit tests. */
import type { MeterValueRow } from "../../model/meter_value.ts";

export function currentRow(
  timestamp: string,
  value: string,
  overrides: Partial<MeterValueRow> = {},
): MeterValueRow {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 7,
    timestamp,
    value,
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Current.Import",
    phase: "L1",
    location: "Outlet",
    unit: "A",
    receivedAt: timestamp,
    ...overrides,
  };
}
