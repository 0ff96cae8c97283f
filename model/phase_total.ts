/**
 * One meter's value from the readings it sent together (one measurand, one instant), with or without a phase:
 * the rule both dialects read energy registers and power by (OCPP 1.6 §7.31 and OCPP 2.0.1 PhaseEnumType
 * spell the phases alike). Pure.
 */

/** One reading, in a unit it shares with the others; `phase` null: the whole meter's. */
export interface PhaseReading {
  phase: string | null;
  value: number;
}

/** Each line's readings, as a line (L1) or line-to-neutral (L1-N): the same phase. */
const LINE: Readonly<Record<string, string>> = {
  "L1": "L1",
  "L1-N": "L1",
  "L2": "L2",
  "L2-N": "L2",
  "L3": "L3",
  "L3-N": "L3",
};

/**
 * The whole meter's value: a reading without a phase when there is one (the meter's own total, never added
 * to its phases), else the sum of L1, L2 and L3, each once (a phase sent both as L1 and L1-N counts once, as
 * L1). The neutral (N) and line-to-line readings (L1-L2...) are no share of what the EV drew: left out. Null
 * when no reading counts.
 *
 * @example
 * ```ts
 * import { meterTotal } from "./phase_total.ts";
 * meterTotal([{ phase: "L1", value: 100 }, { phase: "L2-N", value: 120 }, { phase: "N", value: 3 }]); // 220
 * meterTotal([{ phase: null, value: 300 }, { phase: "L1", value: 100 }]); // 300
 * ```
 */
export function meterTotal(readings: readonly PhaseReading[]): number | null {
  let total: number | null = null;
  const lines = new Map<string, { value: number; named: string }>();
  for (const { phase, value } of readings) {
    if (phase === null) {
      total = value;
      continue;
    }
    const line = LINE[phase];
    if (line === undefined) continue;
    const held = lines.get(line);
    // The same phase twice: the reading named as the line wins, whatever the order it came in.
    if (held === undefined || (phase === line && held.named !== line)) {
      lines.set(line, { value, named: phase });
    }
  }
  if (total !== null) return total;
  if (lines.size === 0) return null;
  let sum = 0;
  for (const { value } of lines.values()) sum += value;
  return sum;
}
