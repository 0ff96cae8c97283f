/**
 * The current an EV draws, read from the MeterValues a station sent: the newest sample of `Current.Import`
 * for the session's connector (its largest phase), in amps.
 *
 * @example
 * ```ts
 * import { latestCurrent } from "./measurements.ts";
 * const row = { chargePointId: "CP-1", connectorId: 1, transactionId: 7, timestamp: "2025-01-01T00:00:00.000Z",
 *   value: "15.5", context: "Sample.Periodic", format: "Raw", measurand: "Current.Import", phase: "L1",
 *   location: "Outlet", unit: "A", receivedAt: "2025-01-01T00:00:01.000Z" };
 * latestCurrent([row], { connectorId: 1, transactionId: 7 }); // { currentA: 15.5, at: "2025-01-01T00:00:00.000Z" }
 * ```
 */
import type { MeterValueRow } from "../model/meter_value.ts";
import type { Measurement } from "./allocate.ts";

/** Phases that carry the EV's current (not the neutral, not phase-to-phase voltages). */
const PHASES = new Set([null, "L1", "L2", "L3", "L1-N", "L2-N", "L3-N"]);

function isCurrent(row: MeterValueRow): boolean {
  // A station that leaves out the unit gets the spec's default (Wh), which cannot be meant for a current.
  return row.measurand === "Current.Import" && (row.unit === "A" || row.unit === "Wh") &&
    row.format === "Raw" && row.location !== "Inlet" && PHASES.has(row.phase);
}

/**
 * `rows` are a station's recent meter values in any order; only the session's connector (and transaction,
 * when the row names one) counts. Null when there is no such sample.
 */
export function latestCurrent(
  rows: readonly MeterValueRow[],
  session: { connectorId: number; transactionId: number },
): Measurement | null {
  let at: string | null = null;
  let currentA = 0;
  for (const row of rows) {
    if (row.connectorId !== session.connectorId || !isCurrent(row)) continue;
    if (row.transactionId !== null && row.transactionId !== session.transactionId) continue;
    const value = Number(row.value);
    if (!Number.isFinite(value)) continue;
    if (at === null || row.timestamp > at) {
      at = row.timestamp;
      currentA = value;
    } else if (row.timestamp === at) {
      currentA = Math.max(currentA, value);
    }
  }
  return at === null ? null : { currentA: Math.max(0, currentA), at };
}
