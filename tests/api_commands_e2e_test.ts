/**
 * The 26 CS->CP commands (19 of OCPP 1.6, 7 of its Security extension) driven over HTTP as an operator would, against a strict ocpp-rpc station: the
 * station receives a valid CALL with the request's params, and its answer is the HTTP answer. Then every way a
 * command can fail (400, 404, 409, 502, 504) and the command log.
 */
import { changesStationTrust } from "../security/trust_commands.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createRPCError } from "ocpp-rpc";
import { CS_TO_CP_ACTIONS } from "../protocol/ocpp16/mod.ts";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { CHARGING_PROFILE, COMMAND_SAMPLES } from "./helpers/command_samples.ts";
import { closeStation, connectStation, openRaw } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test("each of the 26 commands reaches the station as a valid CALL and its answer is the HTTP answer", async () => {
  assertEquals(Object.keys(COMMAND_SAMPLES).sort(), [...CS_TO_CP_ACTIONS].sort());
  const server = await startApiServer();
  // RemoteStart is refused for a tag this server would not accept: TAG-1 is a known card.
  await server.store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
  const station = await connectStation(server.wsUrl, "CP-CMD");
  const received: Record<string, unknown> = {};
  for (const [action, { answer }] of Object.entries(COMMAND_SAMPLES)) {
    station.handle(action, ({ params }) => {
      received[action] = params;
      return answer;
    });
  }
  // TriggerMessage makes no station send anything by itself here; answer the CALLs it may send anyway.
  try {
    for (const [action, { request, answer, forced }] of Object.entries(COMMAND_SAMPLES)) {
      const res = await server.json(`/api/v1/charge-points/CP-CMD/${action}${forced ? "?force=true" : ""}`, {
        method: "POST",
        body: request,
        // Those that change whom the station trusts are an admin's.
        as: changesStationTrust(action, request) ? "admin" : "operator",
      });
      assertEquals(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body, answer, action);
      assertEquals(received[action], request, `${action}: the params the station got`);
    }
    // The command log has every one of them, with who sent it and how it ended; newest first.
    const log = await server.json("/api/v1/charge-points/CP-CMD/commands?limit=50", { as: "viewer" });
    assertEquals(log.status, 200);
    assertEquals(log.body.items.length, 26);
    assertEquals(log.body.items[0].action, "SignedUpdateFirmware");
    for (const entry of log.body.items) {
      assertEquals(entry.outcome, "accepted");
      const sender = changesStationTrust(entry.action, entry.payload) ? "admin" : "operator";
      assertEquals(entry.requestedBy, `token:${sender} tests`);
      assertEquals(entry.payload, COMMAND_SAMPLES[entry.action]?.request);
      assertEquals(entry.response, COMMAND_SAMPLES[entry.action]?.answer);
    }
    // What the answers taught the actor is readable.
    const config = await eventually(async () => {
      const r = await server.json("/api/v1/charge-points/CP-CMD/configuration", { as: "viewer" });
      return r.body.configuration ? r.body : null;
    });
    assertEquals(config.configuration, [{ key: "HeartbeatInterval", readonly: false, value: "60" }]);
    const detail = await server.json("/api/v1/charge-points/CP-CMD", { as: "viewer" });
    assertEquals(detail.body.online, true);
    // The live snapshot does not hold the configuration: the store's is read for it.
    assertEquals(detail.body.hasConfiguration, true);
    assertEquals(detail.body.scheduledAvailability.map((s: { type: string }) => s.type), ["Inoperative"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a command with an invalid body is 400 naming the field, and the station receives nothing", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-BAD");
  let calls = 0;
  station.handle("Reset", () => (calls++, { status: "Accepted" }));
  station.handle("SetChargingProfile", () => (calls++, { status: "Accepted" }));
  try {
    const bad = await server.json("/api/v1/charge-points/CP-BAD/Reset", {
      method: "POST",
      body: { type: "Medium" },
      as: "operator",
    });
    assertEquals(bad.status, 400);
    assertEquals(bad.body.error, "invalid_request");
    assertEquals(bad.body.details.field, "type");
    assertStringIncludes(bad.body.message, '"Medium"');
    const nested = await server.json("/api/v1/charge-points/CP-BAD/SetChargingProfile", {
      method: "POST",
      body: {
        connectorId: 1,
        csChargingProfiles: {
          ...CHARGING_PROFILE,
          chargingSchedule: {
            chargingRateUnit: "A",
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.55 }],
          },
        },
      },
      as: "operator",
    });
    assertEquals(nested.status, 400);
    assertEquals(
      nested.body.details.field,
      "csChargingProfiles.chargingSchedule.chargingSchedulePeriod.0.limit",
    );
    const extra = await server.json("/api/v1/charge-points/CP-BAD/Reset", {
      method: "POST",
      body: { type: "Soft", when: "now" },
      as: "operator",
    });
    assertEquals([extra.status, extra.body.details.field], [400, "when"]);
    const missing = await server.json("/api/v1/charge-points/CP-BAD/Reset", {
      method: "POST",
      as: "operator",
    });
    assertEquals([missing.status, missing.body.details.field], [400, "type"]);
    const notJson = await server.json("/api/v1/charge-points/CP-BAD/Reset", {
      method: "POST",
      body: "{nope",
      as: "operator",
    });
    assertEquals([notJson.status, notJson.body.error], [400, "invalid_request"]);
    const unknown = await server.json("/api/v1/charge-points/CP-BAD/Heartbeat", {
      method: "POST",
      body: {},
      as: "operator",
    });
    assertEquals([unknown.status, unknown.body.error], [404, "not_found"]);
    assertEquals(calls, 0);
    assertEquals(
      (await server.json("/api/v1/charge-points/CP-BAD/commands", { as: "viewer" })).body.items,
      [],
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a command to a station that is not connected is 409 and logged as not_connected; to an id never seen, 404", async () => {
  const server = await startApiServer();
  try {
    // A typo: no station ever had this id. Nothing is sent, nothing logged.
    const typo = await server.json("/api/v1/charge-points/CP-TYPO/Reset", {
      method: "POST",
      body: { type: "Soft" },
      as: "operator",
    });
    assertEquals([typo.status, typo.body.error, typo.body.message], [
      404,
      "not_found",
      'Charge point "CP-TYPO" is unknown',
    ]);
    assertEquals(
      (await server.json("/api/v1/charge-points/CP-TYPO/commands", { as: "viewer" })).body.items,
      [],
    );
    // A station known (pre-registered here) but not connected.
    assertEquals(
      (await server.json("/api/v1/charge-points/CP-GONE", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      }))
        .status,
      201,
    );
    const res = await server.json("/api/v1/charge-points/CP-GONE/Reset", {
      method: "POST",
      body: { type: "Soft" },
      as: "operator",
    });
    assertEquals(res.status, 409);
    assertEquals(res.body.error, "not_connected");
    assertEquals(res.body.message, 'Cannot send "Reset" to "CP-GONE": not connected');
    const log = await server.json("/api/v1/charge-points/CP-GONE/commands", { as: "viewer" });
    assertEquals(log.body.items.map((e: { outcome: string }) => e.outcome), ["not_connected"]);
  } finally {
    await server.close();
  }
});

Deno.test("an unanswered command is 504, and a CALLERROR is 502 with the station's code and text", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "2000" }); // 300 ms was too short for an answered call on a busy machine
  const station = await connectStation(server.wsUrl, "CP-FAIL");
  station.handle("ClearCache", () => new Promise(() => {}));
  station.handle("Reset", () => {
    throw createRPCError("NotSupported", "Resets are disabled here", { why: "test" });
  });
  try {
    const started = Date.now();
    const timeout = await server.json("/api/v1/charge-points/CP-FAIL/ClearCache", {
      method: "POST",
      as: "operator",
    });
    assertEquals([timeout.status, timeout.body.error], [504, "station_timeout"]);
    assert(Date.now() - started >= 1500, "answered before the timeout");
    const callError = await server.json("/api/v1/charge-points/CP-FAIL/Reset", {
      method: "POST",
      body: { type: "Soft" },
      as: "operator",
    });
    assertEquals(callError.status, 502);
    assertEquals(callError.body.error, "station_error");
    assertEquals(callError.body.details.errorCode, "NotSupported");
    assertEquals(callError.body.details.errorDescription, "Resets are disabled here");
    const log = await server.json("/api/v1/charge-points/CP-FAIL/commands", { as: "viewer" });
    assertEquals(log.body.items.map((e: { outcome: string }) => e.outcome), ["callerror", "timeout"]);
    assertEquals(log.body.items[0].response.errorCode, "NotSupported");
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("RemoteStart on a Faulted connector is refused with 409 unless force=true", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-FORCE");
  let starts = 0;
  station.handle("RemoteStartTransaction", () => (starts++, { status: "Rejected" }));
  try {
    await station.call("StatusNotification", {
      connectorId: 1,
      status: "Faulted",
      errorCode: "GroundFailure",
    });
    const path = "/api/v1/charge-points/CP-FORCE/RemoteStartTransaction";
    const refused = await server.json(path, {
      method: "POST",
      body: { connectorId: 1, idTag: "T" },
      as: "operator",
    });
    assertEquals([refused.status, refused.body.error], [409, "command_refused"]);
    assertEquals(starts, 0);
    const forced = await server.json(`${path}?force=true`, {
      method: "POST",
      body: { connectorId: 1, idTag: "T" },
      as: "operator",
    });
    assertEquals([forced.status, forced.body], [200, { status: "Rejected" }]);
    assertEquals(starts, 1);
    // Both are in the command log: the refused one with the reason it was not sent.
    const log = await server.json("/api/v1/charge-points/CP-FORCE/commands", { as: "viewer" });
    assertEquals(log.body.items.map((e: { outcome: string }) => e.outcome), ["accepted", "refused"]);
    assertEquals(log.body.items[1].response, { reason: "connector 1 is Faulted" });
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a remote start for an id tag this server would not accept is refused with the reason, sent when forced", async () => {
  const server = await startApiServer();
  const past = "2020-01-01T00:00:00.000Z";
  await server.store.putIdTag({ idTag: "CARD-OK", status: "Accepted", expiryDate: null, parentIdTag: null });
  await server.store.putIdTag({
    idTag: "CARD-BLOCKED",
    status: "Blocked",
    expiryDate: null,
    parentIdTag: null,
  });
  await server.store.putIdTag({ idTag: "CARD-OLD", status: "Accepted", expiryDate: past, parentIdTag: null });
  const station = await connectStation(server.wsUrl, "CP-TAGS");
  const station201 = await connectStation201(server.wsUrl, "CP-TAGS-201");
  const sent: string[] = [];
  station.handle("RemoteStartTransaction", ({ params }) => (sent.push(params.idTag), { status: "Accepted" }));
  station201.handle("RequestStartTransaction", ({ params }) => {
    sent.push(params.idToken.idToken);
    return { status: "Accepted" };
  });
  const start = (idTag: string, force = false) =>
    server.json(`/api/v1/charge-points/CP-TAGS/RemoteStartTransaction${force ? "?force=true" : ""}`, {
      method: "POST",
      body: { connectorId: 1, idTag },
      as: "operator",
    });
  try {
    for (
      const [idTag, why] of [
        ["NOBODY", 'id tag "NOBODY" would be answered Invalid (not a known id tag)'],
        ["CARD-BLOCKED", 'id tag "CARD-BLOCKED" would be answered Blocked:'],
        ["card-old", 'id tag "card-old" would be answered Expired:'],
      ]
    ) {
      const refused = await start(idTag!);
      assertEquals(
        [refused.status, refused.body.error],
        [409, "command_refused"],
        JSON.stringify(refused.body),
      );
      assertStringIncludes(refused.body.message, why!);
    }
    assertEquals(sent, [], "a refused remote start reached the station");
    assertEquals((await start("card-ok")).status, 200);
    assertEquals((await start("NOBODY", true)).status, 200);
    assertEquals(sent, ["card-ok", "NOBODY"]);
    const log = await server.json("/api/v1/charge-points/CP-TAGS/commands", { as: "viewer" });
    assertEquals(
      log.body.items.map((e: { outcome: string }) => e.outcome),
      ["accepted", "accepted", "refused", "refused", "refused"],
    );
    // 2.0.1: the idToken is judged with its type; a NoAuthorization token is never checked.
    const start201 = (idToken: { idToken: string; type: string }) =>
      server.json("/api/v1/charge-points/CP-TAGS-201/RequestStartTransaction", {
        method: "POST",
        body: { idToken, remoteStartId: 7, evseId: 1 },
        as: "operator",
      });
    const unknown201 = await start201({ idToken: "NOBODY-201", type: "ISO14443" });
    assertEquals([unknown201.status, unknown201.body.error], [409, "command_refused"]);
    assertEquals((await start201({ idToken: "", type: "NoAuthorization" })).status, 200);
    assertEquals((await start201({ idToken: "CARD-OK", type: "ISO14443" })).status, 200);
    assertEquals(sent.slice(2), ["", "CARD-OK"]);
  } finally {
    await closeStation(station);
    await station201.close();
    await server.close();
  }
});

Deno.test("a station answering with an invalid payload gives 502 invalid_station_response", async () => {
  const server = await startApiServer();
  const raw = await openRaw(`${server.wsUrl}/CP-RAW`);
  try {
    raw.send(
      JSON.stringify([2, "b1", "BootNotification", { chargePointVendor: "A", chargePointModel: "B" }]),
    );
    await raw.next();
    const pending = server.json("/api/v1/charge-points/CP-RAW/Reset", {
      method: "POST",
      body: { type: "Soft" },
      as: "operator",
    });
    const call = await raw.next() as [number, string, string, unknown];
    assertEquals([call[0], call[2], call[3]], [2, "Reset", { type: "Soft" }]);
    raw.send(JSON.stringify([3, call[1], { status: "Maybe" }]));
    const res = await pending;
    assertEquals([res.status, res.body.error], [502, "invalid_station_response"]);
    const log = await server.json("/api/v1/charge-points/CP-RAW/commands", { as: "viewer" });
    assertEquals(log.body.items.map((e: { outcome: string }) => e.outcome), ["invalid"]);
  } finally {
    await raw.close();
    await server.close();
  }
});
