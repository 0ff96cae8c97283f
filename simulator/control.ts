/**
 * Virtual stations inside the server process, for the dashboard's "start N virtual stations": one simulation
 * at a time, at most `maxStations`, connecting to the server's own OCPP endpoint over real WebSockets. The
 * server stops it before it closes its stations.
 *
 * @example
 * ```ts ignore
 * const control = new SimulatorControl({ maxStations: 50, url: () => "ws://127.0.0.1:3001/ocpp", ... });
 * await control.start({ stations: 5, prefix: "SIM-", connectors: 2, drivers: false, faults: false }, "user:root");
 * await control.stop();
 * ```
 */
import type { Logger } from "../logger.ts";
import { type Simulation, startSimulation } from "./simulation.ts";

export interface SimulatorControlOptions {
  /** Most virtual stations at once. */
  maxStations: number;
  /** The OCPP endpoint the stations connect to (`ws://host:port/ocpp`), asked when they start. */
  url: () => string;
  /** The default security profile: virtual stations bring no credentials, so only 0 lets them in. */
  securityProfile: number;
  logger: Logger;
  now: () => Date;
  /** Id tags drivers may present (the server's Accepted ones). */
  driverTags: () => Promise<string[]>;
}

export interface StartRequest {
  stations: number;
  prefix: string;
  connectors: number;
  /** Drivers come by on their own. */
  drivers: boolean;
  /** Random faults, disconnects and silences. */
  faults: boolean;
}

/** Why a start was refused. */
export class SimulatorRefused extends Error {
  constructor(
    readonly reason: "running" | "too_many" | "needs_credentials" | "stopped" | "no_driver_tags",
    message: string,
  ) {
    super(message);
  }
}

export class SimulatorControl {
  #run:
    | { sim: Simulation; startedAt: string; startedBy: string; prefix: string; driverIdTags: string[] | null }
    | null = null;
  #stopping: Promise<void> | null = null;
  #closed = false;

  constructor(private readonly options: SimulatorControlOptions) {}

  status() {
    const run = this.#run;
    return {
      running: run !== null,
      maxStations: this.options.maxStations,
      url: this.options.url(),
      startedAt: run?.startedAt ?? null,
      startedBy: run?.startedBy ?? null,
      prefix: run?.prefix ?? null,
      driverIdTags: run?.driverIdTags ?? null,
      stations: run ? run.sim.stations.map((s) => s.id) : [],
      summary: run ? run.sim.summary() : null,
    };
  }

  async start(request: StartRequest, by: string): Promise<void> {
    const { options } = this;
    if (this.#closed) throw new SimulatorRefused("stopped", "The server is shutting down");
    if (this.#run || this.#stopping) {
      throw new SimulatorRefused("running", "Virtual stations are running already: stop them first");
    }
    if (request.stations > options.maxStations) {
      throw new SimulatorRefused(
        "too_many",
        `At most ${options.maxStations} virtual stations (SIMULATOR_MAX_STATIONS), not ${request.stations}`,
      );
    }
    if (options.securityProfile !== 0) {
      throw new SimulatorRefused(
        "needs_credentials",
        `Virtual stations bring no credentials and SECURITY_PROFILE is ${options.securityProfile}: ` +
          "run deno task simulate with --basic-auth KEY instead",
      );
    }
    const idTags = request.drivers ? await options.driverTags() : [];
    // Drivers without a tag to present would never come by: say so rather than start a fleet that never charges.
    if (request.drivers && idTags.length === 0) {
      throw new SimulatorRefused(
        "no_driver_tags",
        "Drivers present this server's Accepted id tags, and there is no Accepted id tag: add one on the Id tags " +
          "page, or start without drivers",
      );
    }
    // Checked again: another start may have won while the tags were read.
    if (this.#run || this.#closed) {
      throw new SimulatorRefused("running", "Virtual stations are running already");
    }
    const sim = startSimulation({
      url: options.url(),
      stations: request.stations,
      prefix: request.prefix,
      connectors: request.connectors,
      logger: options.logger.with({ component: "simulator" }),
      ...(request.drivers ? { drivers: { sessionsPerHour: 2, idTags, stayMinutes: [5, 30] as const } } : {}),
      ...(request.faults ? { faults: { ratePerHour: 1, durationS: 60 } } : {}),
    });
    this.#run = {
      sim,
      startedAt: options.now().toISOString(),
      startedBy: by,
      prefix: request.prefix,
      driverIdTags: request.drivers ? idTags : null,
    };
    options.logger.info("virtual stations started", {
      stations: request.stations,
      prefix: request.prefix,
      by,
    });
  }

  /** Stops the stations (they disconnect); false when none were running. */
  async stop(): Promise<boolean> {
    if (this.#stopping) {
      await this.#stopping;
      return true;
    }
    const run = this.#run;
    if (!run) return false;
    this.#stopping = run.sim.stop().finally(() => {
      this.#run = null;
      this.#stopping = null;
    });
    await this.#stopping;
    this.options.logger.info("virtual stations stopped", { stations: run.sim.stations.length });
    return true;
  }

  /** Stops them for good (server shutdown): no new start afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }
}
