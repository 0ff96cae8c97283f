/**
 * `GET|POST|DELETE /api/v1/simulator` (admins): virtual stations in the server process, for trying every page
 * and command without hardware (simulator/control.ts).
 */
import { z } from "zod";
import { type SimulatorControl, SimulatorRefused } from "../../simulator/control.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

const StartBody = z.object({
  stations: z.number().int().min(1).max(100_000).describe("How many (at most SIMULATOR_MAX_STATIONS)"),
  prefix: z.string().regex(/^[A-Za-z0-9._-]{1,20}$/).default("SIM-").describe(
    "Station ids are the prefix and 1, 2, ...",
  ),
  connectors: z.number().int().min(1).max(4).default(2),
  drivers: z.boolean().default(false).describe(
    "Drivers come by on their own (about 2 sessions per connector per hour, with this server's Accepted id tags)",
  ),
  faults: z.boolean().default(false).describe(
    "Random faults, disconnects and silences (about 1 an hour each)",
  ),
}).strict();

export const SimulatorStatusSchema = z.object({
  running: z.boolean(),
  maxStations: z.number().int(),
  url: z.string().describe("The OCPP endpoint the virtual stations connect to"),
  startedAt: z.string().nullable(),
  startedBy: z.string().nullable(),
  prefix: z.string().nullable(),
  driverIdTags: z.array(z.string()).nullable().describe(
    "The id tags the drivers present (the server's Accepted ones when they started); null: no drivers",
  ),
  stations: z.array(z.string()),
  summary: z.object({
    stations: z.number().int(),
    states: z.record(z.string(), z.number()),
    connectors: z.record(z.string(), z.number()),
    powerKw: z.number(),
    energyDeliveredKwh: z.number(),
    invalidFrames: z.number().int(),
  }).nullable(),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export function addSimulatorRoutes(router: ApiRouter, control: SimulatorControl): void {
  router.add({
    method: "get",
    path: "/v1/simulator",
    operationId: "simulatorStatus",
    summary: "The virtual stations running in this server process, if any",
    tag: "Simulator",
    access: "admin",
    responses: { 200: { description: "Status and a summary", schema: SimulatorStatusSchema }, ...ERRORS },
  }, (c) => c.json(control.status()));

  router.add({
    method: "post",
    path: "/v1/simulator",
    operationId: "startSimulator",
    summary: "Start N virtual stations in this server process, connected to its own OCPP endpoint",
    tag: "Simulator",
    access: "admin",
    body: StartBody,
    responses: {
      201: { description: "Started: they connect and boot within seconds", schema: SimulatorStatusSchema },
      ...ERRORS,
      409: { description: "Running already, or stations need credentials here", schema: ErrorSchema },
    },
  }, async (c, { body, principal }) => {
    try {
      await control.start(body, principal ? `${principal.kind}:${principal.name}` : "unknown");
    } catch (error) {
      if (!(error instanceof SimulatorRefused)) throw error;
      if (error.reason === "too_many") {
        throw new ApiError(400, "invalid_request", error.message, { in: "body", field: "stations" });
      }
      if (error.reason === "no_driver_tags") {
        throw new ApiError(400, "invalid_request", error.message, { in: "body", field: "drivers" });
      }
      throw new ApiError(409, "conflict", error.message);
    }
    return c.json(control.status(), 201);
  });

  router.add({
    method: "delete",
    path: "/v1/simulator",
    operationId: "stopSimulator",
    summary: "Stop the virtual stations (they disconnect)",
    tag: "Simulator",
    access: "admin",
    responses: {
      204: { description: "Stopped" },
      ...ERRORS,
      404: { description: "None running", schema: ErrorSchema },
    },
  }, async (c) => {
    if (!(await control.stop())) throw new ApiError(404, "not_found", "No virtual stations are running");
    return c.body(null, 204);
  });
}
