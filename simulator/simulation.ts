/**
 * A fleet of virtual stations against one Central System: ids `${prefix}${n}`, connections opened at a
 * steady rate, one seeded random source split per station (so `seed` makes a run repeat itself), and
 * optional drivers and faults that come by on their own.
 */
import { createLogger, type Logger } from "../logger.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Electrical } from "./composite_schedule.ts";
import { type DriverPlan, nextSession } from "./drivers.ts";
import { type FaultPlan, nextFault } from "./faults.ts";
import type { Ev } from "./meter.ts";
import type {
  ChargePointErrorCode,
  ChargePointStatus,
  ChargingRateUnit,
  ChargingSchedule,
  StopReason,
} from "./ocpp.ts";
import { createRandom, type Random } from "./random.ts";
import { type StationSnapshot, type StationState, VirtualStation } from "./station.ts";
import type { StartOutcome } from "./transactions.ts";

export interface SimulationOptions {
  /** The Central System's OCPP endpoint, e.g. `ws://127.0.0.1:3001/ocpp`. */
  url: string;
  /** How many stations (default 1). */
  stations?: number;
  /** Station ids are the prefix and a number (default `SIM-`). */
  prefix?: string;
  /** The number of the first station (default 1). */
  firstNumber?: number;
  /** Connectors per station (default 2). */
  connectors?: number;
  /** Heartbeat at this interval whatever the Central System says. */
  heartbeatIntervalS?: number;
  /** MeterValueSampleInterval at power-on (default 60). */
  meterIntervalS?: number;
  /** Security profile 1: the Basic auth password (AuthorizationKey), one for all or one per station. */
  authorizationKey?: string | ((id: string) => string | undefined);
  /** Same seed, same meters, cars, drivers and faults (default: random, logged). */
  seed?: number;
  clock?: Clock;
  logger?: Logger;
  /** New connections per second (default 50). */
  connectRate?: number;
  vendor?: string;
  model?: string;
  firmwareVersion?: string;
  /** Per phase, per connector (default 32 A). */
  maxCurrentA?: number;
  /** Default 3 phases of 230 V. */
  electrical?: Electrical;
  /** Configuration keys at power-on, e.g. `{ AuthorizeRemoteTxRequests: "true" }`. */
  configuration?: Record<string, string>;
  /** Read-only keys of the station model, e.g. `{ SendLocalListMaxLength: "2" }` (a Central System cannot set them). */
  fixedConfiguration?: Record<string, string>;
  /** How long a station waits for the Central System's answer to a CALL (default 30 s). */
  callTimeoutMs?: number;
  /** Reconnect back-off bounds (default 1-30 s). */
  reconnectDelayMs?: { min: number; max: number };
  /** How long a reset keeps a station off the network (default 2 s). */
  rebootDelayMs?: number;
  /** Drivers unplug this long after a session ends (default 5 s; null: only when told). */
  unplugAfterMs?: number | null;
  /** The cars: fixed values, or random ones (default: 40-100 kWh, 10-70 %, 7.4/11/22 kW). */
  ev?: Partial<Ev>;
  /** Random faults (default none). */
  faults?: FaultPlan;
  /** Drivers who come by on their own (default none). */
  drivers?: DriverPlan;
  /** For GetDiagnostics uploads and UpdateFirmware downloads. */
  fetch?: typeof fetch;
}

/** What tests, the benchmark and the CLI can do with one virtual station. */
export interface StationHandle {
  readonly id: string;
  readonly state: StationState;
  snapshot(): StationSnapshot;
  /** The status a connector (0: the station) shows now. */
  status(connectorId: number): ChargePointStatus;
  /** The configuration keys and values (the write-only AuthorizationKey left out). */
  configuration(): Record<string, string>;
  /** A car arrives and plugs in (Preparing). */
  plugIn(connectorId: number): void;
  /** The car leaves; a running transaction stops with EVDisconnected. */
  unplug(connectorId: number): void;
  /** A driver presents `idTag` at the connector: authorization, then StartTransaction. */
  startTransaction(connectorId: number, idTag: string): Promise<StartOutcome>;
  /** The session ends at the station (default reason Local). */
  stopTransaction(connectorId: number, reason?: StopReason): boolean;
  /** The connector (0: the whole station) becomes Faulted. */
  fault(connectorId: number, errorCode?: ChargePointErrorCode, info?: string): void;
  recover(connectorId: number): void;
  /** The network goes; the station comes back after `offlineMs` at the earliest. */
  dropConnection(offlineMs?: number): void;
  /** Nothing in or out (no answer, no pong) until `resume()` or `ms` later. */
  silence(ms?: number): void;
  resume(): void;
  reboot(type: "Soft" | "Hard"): Promise<void>;
  whenAccepted(timeoutMs?: number): Promise<void>;
  /** The composite schedule the station would answer GetCompositeSchedule with. */
  compositeSchedule(connectorId: number, durationS: number, unit?: ChargingRateUnit): ChargingSchedule;
  /** Powers the station off for good (no reconnect). */
  stop(): Promise<void>;
}

export interface Simulation {
  readonly seed: number;
  readonly stations: readonly StationHandle[];
  /** The station with this id; throws for an unknown one. */
  station(id: string): StationHandle;
  /** Resolves once every station is Accepted. */
  whenAllAccepted(timeoutMs?: number): Promise<void>;
  /** Counts by station state and connector status, for a summary line. */
  summary(): SimulationSummary;
  stop(): Promise<void>;
}

export interface SimulationSummary {
  stations: number;
  states: Partial<Record<StationState, number>>;
  connectors: Partial<Record<ChargePointStatus, number>>;
  powerKw: number;
  energyDeliveredKwh: number;
  invalidFrames: number;
}

/** A random car: a battery, how full it is, and what its on-board charger takes. */
function randomEv(fixed: Partial<Ev>) {
  return (random: Random): Ev => ({
    capacityWh: fixed.capacityWh ?? random.int(40, 100) * 1000,
    socPercent: fixed.socPercent ?? random.int(10, 70),
    maxPowerW: fixed.maxPowerW ?? random.pick([7_400, 11_000, 22_000]),
  });
}

/**
 * Starts the stations (they connect at `connectRate` per second) and returns at once.
 *
 * @example
 * ```ts
 * const sim = startSimulation({ url: "ws://127.0.0.1:3001/ocpp", stations: 10, seed: 1 });
 * await sim.whenAllAccepted();
 * await sim.station("SIM-1").startTransaction(1, "CARD-1");
 * await sim.stop();
 * ```
 */
export function startSimulation(options: SimulationOptions): Simulation {
  const count = options.stations ?? 1;
  const prefix = options.prefix ?? "SIM-";
  const first = options.firstNumber ?? 1;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: "info" });
  const root = createRandom(seed);
  const connectRate = options.connectRate ?? 50;
  logger.info("simulation starting", { url: options.url, stations: count, prefix, seed });

  const stations: VirtualStation[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${first + i}`;
    const random = root.fork(id);
    const key = typeof options.authorizationKey === "function"
      ? options.authorizationKey(id)
      : options.authorizationKey;
    stations.push(
      new VirtualStation({
        id,
        url: options.url,
        connectors: options.connectors ?? 2,
        ...(key ? { authorizationKey: key } : {}),
        ...(options.heartbeatIntervalS !== undefined
          ? { heartbeatIntervalS: options.heartbeatIntervalS }
          : {}),
        meterIntervalS: options.meterIntervalS ?? 60,
        boot: {
          chargePointVendor: options.vendor ?? "VirtualCharge",
          chargePointModel: options.model ?? "VC-22",
          chargePointSerialNumber: `VC${String(seed % 10_000).padStart(4, "0")}-${first + i}`,
          firmwareVersion: options.firmwareVersion ?? "1.0.0",
          meterType: "VirtualMeter",
          meterSerialNumber: `VM-${id}`,
        },
        electrical: options.electrical ?? { voltage: 230, phases: 3 },
        maxCurrentA: options.maxCurrentA ?? 32,
        ...(options.configuration ? { configuration: options.configuration } : {}),
        ...(options.fixedConfiguration ? { fixedConfiguration: options.fixedConfiguration } : {}),
        random,
        clock,
        logger,
        callTimeoutMs: options.callTimeoutMs ?? 30_000,
        reconnectDelayMs: options.reconnectDelayMs ?? { min: 1000, max: 30_000 },
        rebootDelayMs: options.rebootDelayMs ?? 2000,
        unplugAfterMs: options.unplugAfterMs === undefined ? 5000 : options.unplugAfterMs,
        ev: randomEv(options.ev ?? {}),
        fetch: options.fetch ?? fetch,
      }),
    );
  }

  const byId = new Map(stations.map((s) => [s.id, s]));
  const cancelStarts: Array<() => void> = [];
  stations.forEach((station, i) => {
    const start = () => {
      station.start();
      if (options.faults && options.faults.ratePerHour > 0) planFaults(station, options.faults);
      if (options.drivers && options.drivers.sessionsPerHour > 0 && options.drivers.idTags.length > 0) {
        for (const c of station.connectors) planDrivers(station, c.connectorId, options.drivers);
      }
    };
    const delay = (i * 1000) / connectRate;
    if (delay === 0) start();
    else cancelStarts.push(clock.after(delay, start));
  });

  return {
    seed,
    stations,
    station(id) {
      const station = byId.get(id);
      if (!station) throw new Error(`No virtual station "${id}" in this simulation`);
      return station;
    },
    async whenAllAccepted(timeoutMs = 60_000) {
      await Promise.all(stations.map((s) => s.whenAccepted(timeoutMs)));
    },
    summary() {
      const summary: SimulationSummary = {
        stations: stations.length,
        states: {},
        connectors: {},
        powerKw: 0,
        energyDeliveredKwh: 0,
        invalidFrames: 0,
      };
      for (const station of stations) {
        summary.states[station.state] = (summary.states[station.state] ?? 0) + 1;
        summary.invalidFrames += station.stats.invalidFrames;
        for (const c of station.connectors) {
          const status = station.status(c.connectorId);
          summary.connectors[status] = (summary.connectors[status] ?? 0) + 1;
          summary.powerKw += c.meter.powerW / 1000;
          if (c.transaction) {
            summary.energyDeliveredKwh += (c.meter.energyWh - c.transaction.meterStart) / 1000;
          }
        }
      }
      summary.powerKw = Math.round(summary.powerKw * 10) / 10;
      summary.energyDeliveredKwh = Math.round(summary.energyDeliveredKwh * 1000) / 1000;
      return summary;
    },
    async stop() {
      for (const cancel of cancelStarts) cancel();
      await Promise.all(stations.map((s) => s.stop()));
      logger.info("simulation stopped", { stations: count });
    },
  };
}

/** Faults come and go on their own (timers named `sim:` survive the station's reboots). */
function planFaults(station: VirtualStation, plan: FaultPlan): void {
  const random = station.random.fork("faults");
  const next = () => {
    const planned = nextFault(random, plan, station.connectors.length);
    station.schedule("sim:fault", planned.afterMs, () => {
      const { fault } = planned;
      switch (fault.kind) {
        case "connector":
          station.fault(fault.connectorId, fault.errorCode, fault.info);
          station.schedule("sim:recover", planned.lastsMs, () => station.recover(fault.connectorId));
          break;
        case "disconnect":
          station.dropConnection(planned.lastsMs);
          break;
        case "silence":
          station.silence(planned.lastsMs);
          break;
      }
      next();
    });
  };
  next();
}

/** Drivers arrive at a connector, charge for a while and leave. */
function planDrivers(station: VirtualStation, connectorId: number, plan: DriverPlan): void {
  const random = station.random.fork(`drivers:${connectorId}`);
  const next = () => {
    const session = nextSession(random, plan);
    station.schedule(`sim:driver:${connectorId}`, session.afterMs, () => {
      // Someone else's car, a fault or a reservation: this driver goes elsewhere.
      if (station.state !== "accepted" || station.status(connectorId) !== "Available") return next();
      void station.startTransaction(connectorId, session.idTag).then((outcome) => {
        if (outcome.transactionId === undefined) return next();
        station.schedule(`sim:leave:${connectorId}`, session.staysMs, () => {
          station.stopTransaction(connectorId, "Local");
          next();
        });
      });
    });
  };
  next();
}
