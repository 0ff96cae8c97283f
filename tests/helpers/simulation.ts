/**
 * Virtual stations against a test server, with fast timings (1 s meter samples, quick reconnects and
 * reboots) and their log lines kept in memory, and the operator's command call as the API takes it.
 */
import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../../logger.ts";
import { type Simulation, type SimulationOptions, startSimulation } from "../../simulator/mod.ts";
import { type ApiTestServer, startApiServer } from "./api.ts";

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

/**
 * Stops the fleet and the server. The stations must not have seen or sent one invalid frame, and the server
 * must not have seen one status transition the spec's table lacks (OCPP 1.6 §4.9).
 */
export async function finish(fleet: TestFleet, server: ApiTestServer) {
  const invalid = fleet.logs.filter((l) => l.msg === "invalid OCPP frame");
  await fleet.stop();
  await server.close();
  assertEquals(invalid, []);
  assertEquals(server.logs.filter((l) => l.msg === "status anomaly"), []);
}

/** Runs `body` against a fresh server (with `env`) and a fleet of virtual stations, then `finish()`es. */
export async function withFleet(
  env: Record<string, string>,
  options: FleetOptions,
  body: (server: ApiTestServer, fleet: TestFleet) => Promise<void>,
) {
  const server = await startApiServer(env);
  let fleet: TestFleet;
  try {
    fleet = await startFleet(server, options);
  } catch (error) {
    await server.close();
    throw error;
  }
  try {
    await body(server, fleet);
  } catch (error) {
    await fleet.stop();
    await server.close();
    throw error;
  }
  await finish(fleet, server);
}
