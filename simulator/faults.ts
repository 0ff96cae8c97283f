/**
 * Random fault injection (`--fault-rate`): faults arrive at a rate per station and hour (a Poisson process,
 * so reproducible with a seed) and last a while: a connector Faulted with a realistic error code, the network
 * dropped, or the station gone silent. Pure: `nextFault()` says what and when; the simulation applies it.
 */
import type { ChargePointErrorCode } from "./ocpp.ts";
import type { Random } from "./random.ts";

export interface FaultPlan {
  /** Faults per station per hour. */
  ratePerHour: number;
  /** How long a fault lasts on average, in seconds. */
  durationS: number;
}

export type Fault =
  | { kind: "connector"; connectorId: number; errorCode: ChargePointErrorCode; info: string }
  | { kind: "disconnect" }
  | { kind: "silence" };

export interface PlannedFault {
  /** From now. */
  afterMs: number;
  /** How long until it is over (the connector recovers, the network is back, the station talks again). */
  lastsMs: number;
  fault: Fault;
}

/** Hardware faults a field technician sees most, with what a station's display would say. */
const CONNECTOR_FAULTS: ReadonlyArray<[ChargePointErrorCode, string]> = [
  ["GroundFailure", "Residual current detected"],
  ["HighTemperature", "Connector temperature above 85 C"],
  ["ConnectorLockFailure", "Lock motor did not reach position"],
  ["EVCommunicationError", "Control pilot signal lost"],
  ["OverCurrentFailure", "Car drew more than offered"],
  ["PowerMeterFailure", "Meter not answering on Modbus"],
  ["UnderVoltage", "Supply below 195 V"],
];

/**
 * The next fault for a station with `connectors` connectors.
 *
 * @example
 * ```ts
 * nextFault(createRandom(1), { ratePerHour: 2, durationS: 60 }, 2);
 * // { afterMs: 1234567, lastsMs: 48210, fault: { kind: "connector", connectorId: 2, ... } }
 * ```
 */
export function nextFault(random: Random, plan: FaultPlan, connectors: number): PlannedFault {
  const afterMs = random.exponential(3_600_000 / plan.ratePerHour);
  const lastsMs = plan.durationS * 1000 * random.between(0.5, 1.5);
  const roll = random.next();
  if (roll < 0.6) {
    const [errorCode, info] = random.pick(CONNECTOR_FAULTS);
    return {
      afterMs,
      lastsMs,
      fault: { kind: "connector", connectorId: random.int(1, connectors), errorCode, info },
    };
  }
  return { afterMs, lastsMs, fault: { kind: roll < 0.85 ? "disconnect" : "silence" } };
}
