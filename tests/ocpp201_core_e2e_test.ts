/**
 * OCPP 2.0.1 beside 1.6 on the same endpoint, driven as stations drive it: npm `ocpp-rpc` in strict mode
 * speaking `ocpp2.0.1` (every frame checked against the official 2.0.1 schemas), raw `ws` for what a
 * well-behaved station never sends.
 */
import { assert, assertEquals } from "@std/assert";
import { closeStation, connectStation, openRaw } from "./helpers/station.ts";
import { BOOT_201, connectStation201 } from "./helpers/station201.ts";
import { eventually, startTestServer } from "./helpers/server.ts";
import { startApiServer } from "./helpers/api.ts";
import { webhookEventOfStation } from "../fleet/webhook_events.ts";
import { attempt, basic } from "./helpers/secure_station.ts";

Deno.test("a station offering both dialects gets PREFERRED_OCPP; the dialect is stored", async () => {
  for (const [preferred, expected] of [["2.0.1", "ocpp2.0.1"], ["1.6", "ocpp1.6"]] as const) {
    const server = await startTestServer({ PREFERRED_OCPP: preferred });
    const ws = await openRaw(`${server.wsUrl}/CP-BOTH`, ["ocpp1.6", "ocpp2.0.1"]);
    try {
      assertEquals(ws.ws.protocol, expected);
    } finally {
      await ws.close();
      await server.close();
    }
  }
  const server = await startTestServer();
  const v16 = await connectStation(server.wsUrl, "CP-16");
  const v201 = await connectStation201(server.wsUrl, "CP-201", { protocols: ["ocpp1.6", "ocpp2.0.1"] });
  try {
    assertEquals(v201.protocol, "ocpp2.0.1");
    assertEquals((await server.store.getChargePoint("CP-16"))?.ocppVersion, "ocpp1.6");
    assertEquals((await server.store.getChargePoint("CP-201"))?.ocppVersion, "ocpp2.0.1");
  } finally {
    await closeStation(v16);
    await closeStation(v201);
    await server.close();
  }
});

Deno.test("an OCPP 2.0.1 station boots with a reason, heartbeats and reports EVSE connector statuses", async () => {
  const server = await startTestServer({ HEARTBEAT_INTERVAL_S: "90" });
  const station = await connectStation201(server.wsUrl, "CP-B201", { boot: false });
  const published: unknown[] = [];
  const unsubscribe = server.events.subscribe((e) => {
    if (e.type === "evseStatus") published.push([e.evse.evseId, e.evse.status]);
  });
  try {
    const boot = await station.call("BootNotification", BOOT_201);
    assertEquals(boot.status, "Accepted");
    assertEquals(boot.interval, 90);
    const beat = await station.call("Heartbeat", {});
    assert(Math.abs(Date.parse(beat.currentTime) - Date.now()) < 5000);
    for (const [evseId, connectorId, connectorStatus] of [[1, 1, "Available"], [2, 1, "Faulted"]] as const) {
      assertEquals(
        await station.call("StatusNotification", {
          timestamp: "2026-11-25T10:00:00Z",
          connectorStatus,
          evseId,
          connectorId,
        }),
        {},
      );
    }
    const record = await server.store.getChargePoint("CP-B201");
    assertEquals(record?.registrationStatus, "Accepted");
    assertEquals(record?.boot, {
      chargePointVendor: "Acme",
      chargePointModel: "Volt-2",
      chargePointSerialNumber: "SN-201",
      firmwareVersion: "2.0.1-a",
      reason: "PowerUp",
    });
    assertEquals(record?.evses?.map((e) => [e.evseId, e.connectorId, e.status]), [
      [1, 1, "Available"],
      [2, 1, "Faulted"],
    ]);
    // Live, like 1.6 connector statuses (the event stream, webhooks' station.faulted).
    assertEquals(published, [[1, "Available"], [2, "Faulted"]]);
    assertEquals(
      webhookEventOfStation({
        type: "evseStatus",
        chargePointId: "CP-B201",
        at: "2026-11-25T10:00:00.000Z",
        evse: record!.evses![1]!,
      })?.type,
      "station.faulted",
    );
  } finally {
    unsubscribe();
    await closeStation(station);
    await server.close();
  }
});

Deno.test("OCPP 2.0.1 stations get 2.0.1's RPC framework errors", async () => {
  const server = await startTestServer();
  const ws = await openRaw(`${server.wsUrl}/CP-RAW201`, ["ocpp2.0.1"]);
  try {
    ws.send(JSON.stringify([2, "b1", "BootNotification", BOOT_201]));
    assertEquals(((await ws.next()) as unknown[])[0], 3);
    // A payload with an unknown field: FormatViolation (1.6 says FormationViolation).
    ws.send(JSON.stringify([2, "h1", "Heartbeat", { bogus: 1 }]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "h1", "FormatViolation"]);
    // A required field missing: OccurrenceConstraintViolation (1.6 misspells it).
    ws.send(JSON.stringify([2, "a1", "Authorize", {}]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "a1", "OccurrenceConstraintViolation"]);
    // An unknown MessageTypeId is answered, not ignored.
    ws.send(JSON.stringify([7, "m1", "Heartbeat", {}]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "m1", "MessageTypeNotSupported"]);
    // An unreadable frame: RpcFrameworkError with id "-1".
    ws.send("not json");
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "-1", "RpcFrameworkError"]);
    // A payload that is no object: 2.0.1's FormatViolation; the log names the code as the station got it.
    ws.send(JSON.stringify([2, "f1", "Heartbeat", []]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "f1", "FormatViolation"]);
    const badFrames = server.logs.filter((l) => l.msg === "bad frame" && l.chargePointId === "CP-RAW201");
    assertEquals(badFrames.find((l) => l.messageId === "f1")?.code, "FormatViolation");
    assertEquals(badFrames.find((l) => l.messageId === undefined && l.code)?.code, "RpcFrameworkError");
    // A 1.6 action is not a 2.0.1 one.
    ws.send(JSON.stringify([2, "s1", "StartTransaction", {}]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "s1", "NotImplemented"]);
    // A 2.0.1 action out of our scope is known, not supported (OCPP-J 2.0.1 §4.3): NotSupported.
    ws.send(JSON.stringify([2, "d1", "NotifyDisplayMessages", { requestId: 1 }]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "d1", "NotSupported"]);
    ws.send(
      JSON.stringify([2, "c1", "Get15118EVCertificate", {
        iso15118SchemaVersion: "x",
        action: "Install",
        exiRequest: "x",
      }]),
    );
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "c1", "NotSupported"]);
  } finally {
    await ws.close();
    await server.close();
  }
});

Deno.test("a 1.6 station keeps 1.6's spelling of the same errors", async () => {
  const server = await startTestServer();
  const ws = await openRaw(`${server.wsUrl}/CP-RAW16`, ["ocpp1.6"]);
  try {
    ws.send(JSON.stringify([2, "h1", "Heartbeat", { bogus: 1 }]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "h1", "FormationViolation"]);
    ws.send(JSON.stringify([7, "m1", "Heartbeat", {}]));
    ws.send(JSON.stringify([2, "h2", "Heartbeat", {}]));
    // The unknown type is ignored: the next answer is the heartbeat's (refused: not booted).
    assertEquals(((await ws.next()) as unknown[]).slice(0, 2), [4, "h2"]);
  } finally {
    await ws.close();
    await server.close();
  }
});

Deno.test("the device model a 2.0.1 station reports is stored per station, part by part", async () => {
  const server = await startTestServer();
  const station = await connectStation201(server.wsUrl, "CP-DM");
  try {
    station.handle("GetBaseReport", () => ({ status: "Accepted" }));
    assertEquals(
      await server.registry.send("CP-DM", "GetBaseReport", { requestId: 9, reportBase: "FullInventory" }),
      { status: "Accepted" },
    );
    const variable = (component: string, name: string, value: string, evse?: number) => ({
      component: { name: component, ...(evse ? { evse: { id: evse } } : {}) },
      variable: { name },
      variableAttribute: [{ type: "Actual", value, mutability: "ReadOnly" }],
      variableCharacteristics: { dataType: "string", supportsMonitoring: false },
    });
    const part = (seqNo: number, tbc: boolean, reportData: unknown[]) => ({
      requestId: 9,
      generatedAt: "2026-11-25T10:00:00Z",
      seqNo,
      tbc,
      reportData,
    });
    await station.call("NotifyReport", part(0, true, [variable("ChargingStation", "Model", "Volt-2")]));
    await station.call(
      "NotifyReport",
      part(1, false, [variable("EVSE", "Power", "22000", 1), variable("EVSE", "Power", "11000", 2)]),
    );
    // A replayed part writes the same again.
    await station.call("NotifyReport", part(0, true, [variable("ChargingStation", "Model", "Volt-2")]));
    const model = await eventually(async () => {
      const entries = await server.store.listDeviceModel("CP-DM", { limit: 10 });
      return entries.length === 3 ? entries : null;
    });
    assertEquals(
      model!.map((
        e,
      ) => [e.component.name, e.component.evse?.id ?? null, e.variable.name, e.attributes[0]?.value]),
      [["ChargingStation", null, "Model", "Volt-2"], ["EVSE", 1, "Power", "22000"], [
        "EVSE",
        2,
        "Power",
        "11000",
      ]],
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a 2.0.1 station held Pending sends the report an operator asks for, and it is stored (B02.FR.01)", async () => {
  // OCPP 2.0.1 B02: Pending is how a CSMS provisions a station before accepting it: it may ask for reports
  // (B07 GetBaseReport, B08 GetReport) and the station answers them with NotifyReport, which it may send then.
  const server = await startApiServer({ REGISTRATION_POLICY: "Pending" });
  const station = await connectStation201(server.wsUrl, "CP-PROV", { boot: false });
  try {
    assertEquals((await station.call("BootNotification", BOOT_201)).status, "Pending");
    const part = (requestId: number, seqNo: number, tbc: boolean, name: string) => ({
      requestId,
      generatedAt: "2026-11-25T10:00:00Z",
      seqNo,
      tbc,
      reportData: [{
        component: { name: "SecurityCtrlr" },
        variable: { name },
        variableAttribute: [{ type: "Actual", value: "1", mutability: "ReadOnly" }],
      }],
    });
    const refused = (e: { rpcErrorCode?: string }) => e.rpcErrorCode;
    // Nobody asked for this one: refused, as any other CALL of a Pending station.
    assertEquals(
      await station.call("NotifyReport", part(1, 0, false, "Unasked")).then(() => "answered", refused),
      "SecurityError",
    );
    station.handle("GetBaseReport", () => ({ status: "Accepted" }));
    const asked = await server.json("/api/v1/charge-points/CP-PROV/GetBaseReport", {
      method: "POST",
      body: { requestId: 2, reportBase: "FullInventory" },
      as: "operator",
    });
    assertEquals([asked.status, asked.body.status], [200, "Accepted"]);
    assertEquals(await station.call("NotifyReport", part(2, 0, true, "SecurityProfile")), {});
    assertEquals(await station.call("NotifyReport", part(2, 1, false, "OrganizationName")), {});
    const model = await server.json("/api/v1/charge-points/CP-PROV/device-model", { as: "viewer" });
    assertEquals(
      model.body.items.map((e: { variable: { name: string } }) => e.variable.name),
      ["OrganizationName", "SecurityProfile"],
    );
    // Still Pending: nothing else goes through.
    assertEquals(await station.call("Heartbeat", {}).then(() => "answered", refused), "SecurityError");
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a Pending 2.0.1 station's report in parts stays welcome while its parts keep coming, past the trigger's minute", async () => {
  let nowMs = Date.parse("2026-11-25T10:00:00.000Z");
  const advance = (s: number) => (nowMs += s * 1000);
  const server = await startApiServer({ REGISTRATION_POLICY: "Pending" }, { now: () => new Date(nowMs) });
  const station = await connectStation201(server.wsUrl, "CP-SLOW", { boot: false });
  try {
    assertEquals((await station.call("BootNotification", BOOT_201)).status, "Pending");
    const part = (seqNo: number, tbc: boolean) => ({
      requestId: 4,
      generatedAt: "2026-11-25T10:00:00Z",
      seqNo,
      tbc,
      reportData: [{
        component: { name: "SecurityCtrlr" },
        variable: { name: `Part${seqNo}` },
        variableAttribute: [{ type: "Actual", value: "1", mutability: "ReadOnly" }],
      }],
    });
    const answer = (call: Promise<unknown>) =>
      call.then((r) => r, (e: { rpcErrorCode?: string }) => e.rpcErrorCode);
    station.handle("GetBaseReport", () => ({ status: "Accepted" }));
    const asked = await server.json("/api/v1/charge-points/CP-SLOW/GetBaseReport", {
      method: "POST",
      body: { requestId: 4, reportBase: "FullInventory" },
      as: "operator",
    });
    assertEquals(asked.body.status, "Accepted");
    // A part every 50 s: the report takes minutes, each part well within a minute of the one before.
    for (const [seqNo, tbc] of [[0, true], [1, true], [2, true], [3, false]] as const) {
      advance(50);
      assertEquals(await answer(station.call("NotifyReport", part(seqNo, tbc))), {}, `part ${seqNo}`);
    }
    const model = await server.json("/api/v1/charge-points/CP-SLOW/device-model", { as: "viewer" });
    assertEquals(model.body.items.length, 4);
    // The last part (tbc false) closed the report: it opened no new minute, and the one of the part before
    // it has run out.
    advance(31);
    assertEquals(await answer(station.call("NotifyReport", part(4, false))), "SecurityError");
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a 2.0.1 station passes the same security profile as 1.6 stations: no key, no connection", async () => {
  const server = await startApiServer({ SECURITY_PROFILE: "1" });
  try {
    const key = (await server.json("/api/v1/station-security/CP-SP201/authorization-key", { method: "POST" }))
      .body.authorizationKey as string;
    const refused = await attempt(`${server.wsUrl}/CP-SP201`, {
      headers: basic("CP-SP201", "wrong-key-1234567"),
    }, [
      "ocpp2.0.1",
    ]);
    assertEquals(refused.open ? 0 : refused.status, 401);
    const station = await connectStation201(server.wsUrl, "CP-SP201", { password: key });
    assertEquals(station.protocol, "ocpp2.0.1");
    assertEquals((await station.call("Heartbeat", {})).currentTime !== undefined, true);
    await closeStation(station);
  } finally {
    await server.close();
  }
});

Deno.test("attack: NUL characters from a 2.0.1 station follow the 1.6 rule (transaction data kept, the rest refused)", async () => {
  const server = await startTestServer();
  const ws = await openRaw(`${server.wsUrl}/CP-NUL201`, ["ocpp2.0.1"]);
  try {
    ws.send(JSON.stringify([2, "b1", "BootNotification", BOOT_201]));
    assertEquals(((await ws.next()) as unknown[])[0], 3);
    ws.send(JSON.stringify([2, "t1", "TransactionEvent", {
      eventType: "Started",
      seqNo: 0,
      timestamp: "2026-11-25T10:00:00Z",
      triggerReason: "Authorized",
      transactionInfo: { transactionId: "NUL\u0000TX" },
      evse: { id: 1 },
    }]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 2), [3, "t1"]);
    const tx = await server.store.findTransactionByStationId("CP-NUL201", "NUL\uFFFDTX");
    assertEquals(tx?.stationTransactionId, "NUL\uFFFDTX");
    ws.send(JSON.stringify([2, "a1", "Authorize", { idToken: { idToken: "A\u0000", type: "Central" } }]));
    assertEquals(((await ws.next()) as unknown[]).slice(0, 3), [4, "a1", "PropertyConstraintViolation"]);
  } finally {
    await ws.close();
    await server.close();
  }
});
