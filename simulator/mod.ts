/**
 * Virtual OCPP 1.6J charging stations for trying the Central System without hardware, for end-to-end tests
 * and for the benchmark. Each station speaks over a real WebSocket (`ocpp1.6`, frames checked against the
 * official schemas), boots, reports, beats, charges with rising meters whose power follows its charging
 * profiles, and answers all 19 Central System commands; faults can be injected.
 *
 * @example
 * ```ts
 * import { startSimulation } from "./simulator/mod.ts";
 *
 * const sim = startSimulation({ url: "ws://127.0.0.1:3001/ocpp", stations: 3, prefix: "SIM-", seed: 42 });
 * await sim.whenAllAccepted();
 * const station = sim.station("SIM-1");
 * await station.startTransaction(1, "CARD-1");
 * station.fault(2, "GroundFailure");
 * await sim.stop();
 * ```
 *
 * @module
 */
export {
  type Simulation,
  type SimulationOptions,
  type SimulationSummary,
  startSimulation,
  type StationHandle,
} from "./simulation.ts";
export type { ConnectorSnapshot, StationSnapshot, StationState } from "./station.ts";
export type { StartOutcome } from "./transactions.ts";
export type { DriverPlan } from "./drivers.ts";
export type { FaultPlan } from "./faults.ts";
export type { Ev } from "./meter.ts";
export { type Clock, createManualClock, type ManualClock, systemClock } from "./clock.ts";
export { createRandom, type Random } from "./random.ts";
