/**
 * Virtual stations against a test server, with fast timings (1 s meter samples, quick reconnects and
 * reboots) and their log lines kept in memory, and the operator's command call as the API takes it.
 */
import { createMemoryLogger } from "../../logger.ts";
import { type Simulation, type SimulationOptions, startSimulation } from "../../simulator/mod.ts";
import type { ApiTestServer } from "./api.ts";

export interface TestFleet extends Simulation {
  logs: ReturnType<typeof createMemoryLogger>["lines"];
}

/** Any simulation option, and whether to wait until every station is Accepted (default true). */
export type FleetOptions = Partial<SimulationOptions> & { waitAccepted?: boolean };

export async function startFleet(server: { wsUrl: string }, options: FleetOptions = {}): Promise<TestFleet> {
  const { waitAccepted = true, ...rest } = options;
  const logger = createMemoryLogger("info");
  const sim = startSimulation({
    url: server.wsUrl,
    seed: 7,
    meterIntervalS: 1,
    reconnectDelayMs: { min: 100, max: 1000 },
    rebootDelayMs: 200,
    unplugAfterMs: 300,
    callTimeoutMs: 5000,
    connectRate: 1000,
    logger,
    ...rest,
  });
  if (waitAccepted) {
    try {
      await sim.whenAllAccepted(10_000);
    } catch (error) {
      await sim.stop();
      throw error;
    }
  }
  return Object.assign(sim, { logs: logger.lines });
}

/** An operator's command through the API: `{ status, body }` as the HTTP answer has them. */
export function command(
  server: ApiTestServer,
  chargePointId: string,
  action: string,
  body: unknown = {},
  query = "",
) {
  return server.json(`/api/v1/charge-points/${chargePointId}/${action}${query}`, {
    method: "POST",
    body,
    as: "operator",
  });
}
