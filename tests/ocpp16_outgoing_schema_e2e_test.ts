/**
 * What this server sends a 1.6 station is checked against the OCPP 1.6 schemas before it goes, as a 2.0.1
 * station's commands are: a payload no strict station would take (a job's payload that only 2.0.1 takes, an
 * internal caller's `limit: null`) is refused here, naming the field, and never reaches the station.
 */
import { assert, assertEquals, assertInstanceOf, assertStringIncludes } from "@std/assert";
import { CommandRefusedError } from "../actors/errors.ts";
import { commandApiError } from "../routes/api/command_errors.ts";
import { ApiError } from "../routes/api/http.ts";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The CALLs a station received, by action (ocpp-rpc's `message` event sees every frame, even refused ones). */
function callsReceived(station: Station): string[] {
  const actions: string[] = [];
  (station as unknown as {
    on(event: "message", listener: (m: { message: string; outbound: boolean }) => void): void;
  }).on("message", ({ message, outbound }) => {
    const frame = JSON.parse(message);
    if (!outbound && frame[0] === 2) actions.push(frame[2]);
  });
  return actions;
}

Deno.test("a job whose payload only OCPP 2.0.1 takes is refused for a 1.6 station, naming the field, and never sent", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const station = await connectStation(server.wsUrl, "OUT-JOB");
  const received = callsReceived(station);
  station.handle("Reset", () => ({ status: "Accepted" }));
  try {
    // "Immediate" is 2.0.1's Reset type; the job API takes a payload either dialect takes.
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "Reset", payload: { type: "Immediate" }, chargePointIds: ["OUT-JOB"] },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const job = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/jobs/${created.body.id}`, { as: "viewer" });
        return body.state === "finished" ? body : null;
      },
      15_000,
      "the job finished",
    );
    const [task] = job.tasks.items;
    assertEquals(task.outcome, "refused", JSON.stringify(task));
    assertStringIncludes(task.response.reason, 'not a valid OCPP 1.6 Reset request: Field "type"');
    assertEquals(received, [], "no CALL reached the station");
    // The station's command log says why.
    const log = await server.json("/api/v1/charge-points/OUT-JOB/commands", { as: "viewer" });
    const [entry] = log.body.items;
    assertEquals([entry.action, entry.outcome], ["Reset", "refused"]);
    assertStringIncludes(JSON.stringify(entry.response), 'Field \\"type\\"');
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a SetChargingProfile with limit null from inside the server is refused before it reaches a 1.6 station", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "OUT-NAN");
  const received = callsReceived(station);
  station.handle("SetChargingProfile", () => ({ status: "Accepted" }));
  const field = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod.0.limit";
  try {
    // What load management once sent after dividing by a NaN limit (JSON.stringify(NaN) is null): the NaN
    // itself, as a caller in this process hands it over, and the null it becomes on the wire (or on its way
    // from another node).
    const profile = (limit: unknown) => ({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 9,
        stackLevel: 0,
        chargingProfilePurpose: "TxDefaultProfile",
        chargingProfileKind: "Relative",
        chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
      },
    });
    const send = (payload: unknown) =>
      server.registry.send("OUT-NAN", "SetChargingProfile", payload, { requestedBy: "system:load" })
        .then(() => null, (e: unknown) => e);
    assertInstanceOf(await send(profile(NaN)), CommandRefusedError);
    const error = await send(profile(null));
    assertInstanceOf(error, CommandRefusedError);
    assertStringIncludes(error.reason, `Field "${field}"`);
    assertEquals(error.details, { field, constraint: "type" });
    assert(!error.message.includes("force"), error.message);
    // Force cannot send it either: no station takes it.
    const forced = await server.registry.send("OUT-NAN", "Reset", { type: "Immediate" }, {
      requestedBy: "system:test",
      force: true,
    }).then(() => null, (e: unknown) => e);
    assertInstanceOf(forced, CommandRefusedError);
    // An operator would get a 409 naming the field, as for a 2.0.1 station.
    const api = commandApiError(error);
    assertInstanceOf(api, ApiError);
    assertEquals([api.status, api.code, (api.details as Json).field], [409, "command_refused", field]);
    // The server's log names it too: a refusal here is a bug of ours, not the operator's.
    const line = server.logs.find((l: Json) => l.msg === "command refused: not valid for its dialect");
    assert(line, "a warning was logged");
    assertEquals([(line as Json).chargePointId, (line as Json).field], ["OUT-NAN", field]);
    assertEquals(received, [], "no CALL reached the station");
    // A valid one still goes.
    const ok = await server.registry.send("OUT-NAN", "Reset", { type: "Soft" }, {
      requestedBy: "system:test",
    })
      .then(() => null, (e: unknown) => e);
    assertInstanceOf(ok, Error); // no Reset handler: the station's CALLERROR, so it was sent
    assertEquals(received, ["Reset"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
