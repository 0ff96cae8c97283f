/**
 * The core server driven as stations drive it: npm `ocpp-rpc` in strict mode for well-behaved stations, raw
 * `ws` sockets for everything a well-behaved station never sends.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { CallTimeoutError, InvalidResponseError } from "../actors/errors.ts";
import { closeStation, connectStation, expectRefused, openRaw } from "./helpers/station.ts";
import { eventually, startTestServer } from "./helpers/server.ts";

const BOOT = { chargePointVendor: "Acme", chargePointModel: "Volt-1" };

Deno.test("a station boots, heartbeats and reports statuses on 3 connectors; the snapshot is stored", async () => {
  const server = await startTestServer({ HEARTBEAT_INTERVAL_S: "120" });
  const station = await connectStation(server.wsUrl, "CP-BOOT", { boot: false });
  try {
    const boot = await station.call("BootNotification", { ...BOOT, firmwareVersion: "1.2.3" });
    assertEquals(boot.status, "Accepted");
    assertEquals(boot.interval, 120);
    assert(Math.abs(Date.parse(boot.currentTime) - Date.now()) < 5000);
    const beat = await station.call("Heartbeat", {});
    assert(Math.abs(Date.parse(beat.currentTime) - Date.now()) < 5000);
    for (const connectorId of [1, 2, 3]) {
      const res = await station.call("StatusNotification", {
        connectorId,
        status: connectorId === 3 ? "Faulted" : "Available",
        errorCode: connectorId === 3 ? "GroundFailure" : "NoError",
        ...(connectorId === 3 ? { info: "RCD tripped", vendorErrorCode: "E42" } : {}),
        timestamp: "2026-11-25T10:00:00Z",
      });
      assertEquals(res, {});
    }
    const record = await server.store.getChargePoint("CP-BOOT");
    assertEquals(record?.registrationStatus, "Accepted");
    assertEquals(record?.boot, { ...BOOT, firmwareVersion: "1.2.3" });
    assertEquals(record?.connectors.map((c) => [c.connectorId, c.status, c.errorCode]), [
      [1, "Available", "NoError"],
      [2, "Available", "NoError"],
      [3, "Faulted", "GroundFailure"],
    ]);
    assertEquals(record?.connectors[2]?.info, "RCD tripped");
    assertEquals(record?.connectors[2]?.timestamp, "2026-11-25T10:00:00.000Z");
    const history = await server.store.listStatusHistory("CP-BOOT", 10);
    assertEquals(history.length, 3);
    assert(server.logs.some((l) => l.msg === "connection opened" && l.chargePointId === "CP-BOOT"));
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a CS->CP call is answered through the registry, and an unanswered one times out", async () => {
  const server = await startTestServer({ CALL_TIMEOUT_MS: "2000" }); // 300 ms was too short for an answered call on a busy machine
  const station = await connectStation(server.wsUrl, "CP-CALL");
  try {
    const received: unknown[] = [];
    station.handle("Reset", ({ params }: { params: unknown }) => {
      received.push(params);
      return { status: "Accepted" };
    });
    station.handle("ClearCache", () => new Promise(() => {})); // never answers
    assertEquals(await server.registry.call("CP-CALL", "Reset", { type: "Soft" }), { status: "Accepted" });
    assertEquals(received, [{ type: "Soft" }]);
    const started = Date.now();
    await assertRejects(() => server.registry.call("CP-CALL", "ClearCache", {}), CallTimeoutError);
    assert(Date.now() - started >= 1500, "timed out too early");
    // Incoming CALLs are still answered while our CALL is pending.
    const pending = server.registry.call("CP-CALL", "ClearCache", {}).catch((e) => e);
    assertEquals(
      await station.call("Heartbeat", {}).then((r: { currentTime: string }) => typeof r.currentTime),
      "string",
    );
    assert((await pending) instanceof CallTimeoutError);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a malformed answer to our CALL fails it at once (InvalidResponseError), not at its timeout", async () => {
  const server = await startTestServer({ CALL_TIMEOUT_MS: "20000" });
  const raw = await openRaw(`${server.wsUrl}/CP-MALFORMED`);
  try {
    raw.send(JSON.stringify([2, "b", "BootNotification", BOOT]));
    await raw.next();
    for (
      const answer of [
        (id: string) => [4, id, "GenericError"],
        (id: string) => [3, id],
        (id: string) => [4, id, 1, 2, {}],
      ]
    ) {
      const started = Date.now();
      const command = server.registry.call("CP-MALFORMED", "ClearCache", {}).then(() => null, (e) => e);
      const call = await raw.next() as unknown[];
      raw.send(JSON.stringify(answer(call[1] as string)));
      const error = await command;
      assert(error instanceof InvalidResponseError, `${JSON.stringify(answer("x"))}: ${error}`);
      assert(Date.now() - started < 5_000, "failed only at its timeout");
    }
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("handshakes are refused with a plain HTTP status before upgrading", async () => {
  const server = await startTestServer();
  try {
    assertEquals(await expectRefused(`${server.wsUrl}/${"x".repeat(49)}`), 400);
    assertEquals(await expectRefused(`${server.wsUrl}/CP%20SPACE`), 400);
    assertEquals(await expectRefused(`${server.wsUrl}/CP-1`, []), 400);
    // A dialect we do not speak (OCPP 2.0.1 is spoken since issue 17: ocpp2.1 is not).
    assertEquals(await expectRefused(`${server.wsUrl}/CP-1`, ["ocpp2.1"]), 400);
    assertEquals(await expectRefused(`ws://127.0.0.1:${server.port}/elsewhere/CP-1`), 404);
    assertEquals(await expectRefused(`${server.wsUrl}/CP-1/extra`), 404);
    const failures = server.handshakes.list();
    assertEquals(failures.map((f) => f.status), [404, 404, 400, 400, 400, 400]);
    assertStringIncludes(failures[2]?.reason ?? "", "ocpp1.6");
    assert(server.logs.some((l) => l.msg === "handshake refused" && l.status === 400));
    const health = await fetch(`${server.url}/healthz`);
    assertEquals(health.status, 200);
    assertEquals((await health.json()).status, "ok");
    // The server agrees on "ocpp1.6" even when the station lists it second, after one it does not speak.
    const raw = await openRaw(`${server.wsUrl}/CP-PROTO`, ["ocpp2.1", "ocpp1.6"]);
    assertEquals(raw.ws.protocol, "ocpp1.6");
    await raw.close();
  } finally {
    await server.close();
  }
});

Deno.test("a station offering no subprotocol is served when the setting tolerates it", async () => {
  const server = await startTestServer({ ALLOW_MISSING_SUBPROTOCOL: "true" });
  try {
    const raw = await openRaw(`${server.wsUrl}/CP-NOPROTO`, []);
    raw.send(JSON.stringify([2, "b1", "BootNotification", BOOT]));
    const reply = await raw.next() as unknown[];
    assertEquals(reply[0], 3);
    assertEquals((reply[2] as { status: string }).status, "Accepted");
    await raw.close();
    assertEquals(await expectRefused(`${server.wsUrl}/CP-1`, ["ocpp2.1"]), 400);
  } finally {
    await server.close();
  }
});

Deno.test("each kind of bad frame gets the exact CALLERROR, and other stations keep working", async () => {
  const server = await startTestServer({ MAX_BAD_FRAMES: "100" });
  const good = await connectStation(server.wsUrl, "CP-GOOD");
  const raw = await openRaw(`${server.wsUrl}/CP-BAD`);
  const ask = async (frame: string) => {
    raw.send(frame);
    return await raw.next();
  };
  try {
    assertEquals((await ask(JSON.stringify([2, "boot", "BootNotification", BOOT])) as unknown[])[0], 3);
    const cases: Array<[string, unknown[]]> = [
      ["not json", [4, "-1", "FormationViolation"]],
      ['{"a":1}', [4, "-1", "FormationViolation"]],
      ['["2","x","Heartbeat",{}]', [4, "x", "FormationViolation"]],
      ['[2,"m1","Heartbeat"]', [4, "m1", "FormationViolation"]],
      ['[2,"m2",42,{}]', [4, "m2", "FormationViolation"]],
      ['[2,"m3","Heartbeat",[]]', [4, "m3", "FormationViolation"]],
      [`[2,"${"i".repeat(37)}","Heartbeat",{}]`, [4, "-1", "FormationViolation"]],
      ['[2,"m4","FlyToTheMoon",{}]', [4, "m4", "NotImplemented"]],
      ['[2,"m5","Reset",{"type":"Soft"}]', [4, "m5", "NotSupported"]],
      ['[2,"m6","StatusNotification",{"connectorId":1,"errorCode":"NoError"}]', [
        4,
        "m6",
        "OccurenceConstraintViolation",
      ]],
      ['[2,"m7","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]', [
        4,
        "m7",
        "TypeConstraintViolation",
      ]],
      ['[2,"m8","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]', [
        4,
        "m8",
        "PropertyConstraintViolation",
      ]],
      ['[2,"m9","Heartbeat",{"extra":true}]', [4, "m9", "FormationViolation"]],
      [`[2,"m10","Authorize",{"idTag":"${"t".repeat(21)}"}]`, [4, "m10", "PropertyConstraintViolation"]],
      // A date-time whose instant no four-digit year writes (0000, or past 9999 by a leap second or an offset).
      ...["9999-12-31T23:59:60Z", "9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00Z"].map((
        timestamp,
        i,
      ): [string, unknown[]] => [
        JSON.stringify([2, `m10-${i}`, "StatusNotification", {
          connectorId: 1,
          errorCode: "NoError",
          status: "Available",
          timestamp,
        }]),
        [4, `m10-${i}`, "PropertyConstraintViolation"],
      ]),
    ];
    for (const [frame, expected] of cases) {
      const reply = await ask(frame) as unknown[];
      assertEquals(reply.slice(0, 3), expected, `reply to ${frame}`);
      assertEquals(typeof reply[3], "string");
      assertEquals(typeof reply[4], "object");
    }
    const missing = await ask(
      '[2,"m11","StatusNotification",{"connectorId":1,"errorCode":"NoError"}]',
    ) as unknown[];
    assertEquals((missing[4] as { field?: string }).field, "status");
    // Responses are never answered: unknown MessageTypeId, a result for an unknown id, a broken CALLERROR.
    raw.send('[5,"z","Heartbeat",{}]');
    raw.send('[3,"nobody-asked",{}]');
    raw.send('[4,"nobody-asked","GenericError"]');
    const after = await ask('[2,"m12","Heartbeat",{}]') as unknown[];
    assertEquals(after.slice(0, 2), [3, "m12"]);
    // An error never leaks a stack trace.
    assert(!JSON.stringify(after).includes("at "));
    assertEquals((await good.call("Heartbeat", {})).currentTime.length > 0, true);
    assert(server.logs.some((l) => l.msg === "bad frame" && l.chargePointId === "CP-BAD"));
    assert(server.logs.some((l) => l.msg === "response to unknown message id dropped"));
  } finally {
    await raw.close();
    await closeStation(good);
    await server.close();
  }
});

Deno.test("a CALL reusing the id of a CALL still being processed is dropped: the id gets one answer", async () => {
  const server = await startTestServer();
  const raw = await openRaw(`${server.wsUrl}/CP-DUP-ID`);
  try {
    raw.send(JSON.stringify([2, "boot", "BootNotification", BOOT]));
    await raw.next();
    // A CALL that writes (its commit is I/O), so it is still being processed when the second arrives: a
    // Heartbeat with nothing to write is answered before the socket's next frame is read.
    const status = { connectorId: 1, errorCode: "NoError", status: "Available" };
    raw.send(JSON.stringify([2, "same", "StatusNotification", status]));
    raw.send(JSON.stringify([2, "same", "StatusNotification", status]));
    assertEquals(await raw.next(), [3, "same", {}]);
    // Nothing else: a CALLERROR by that id would be taken as the answer to the first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assertEquals(raw.received, []);
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("too many bad frames close with 1002; oversize with 1009; binary with 1003", async () => {
  const server = await startTestServer({ MAX_BAD_FRAMES: "3", MAX_FRAME_BYTES: "2048" });
  try {
    const noisy = await openRaw(`${server.wsUrl}/CP-NOISY`);
    for (let i = 0; i < 3; i++) noisy.send("garbage");
    assertEquals((await noisy.closed).code, 1002);

    const big = await openRaw(`${server.wsUrl}/CP-BIG`);
    big.send(JSON.stringify([2, "b", "DataTransfer", { vendorId: "x", data: "y".repeat(4000) }]));
    assertEquals((await big.closed).code, 1009);

    const binary = await openRaw(`${server.wsUrl}/CP-BIN`);
    binary.send(new Uint8Array([1, 2, 3]));
    assertEquals((await binary.closed).code, 1003);
    await eventually(() => server.registry.size === 0, 3000, "actors to stop");
  } finally {
    await server.close();
  }
});

Deno.test("a second connection with the same id replaces the first, whose late close never evicts it", async () => {
  const server = await startTestServer();
  const first = await openRaw(`${server.wsUrl}/CP-TWIN`);
  try {
    first.send(JSON.stringify([2, "b", "BootNotification", BOOT]));
    await first.next();
    const firstActor = server.registry.get("CP-TWIN");
    const second = await connectStation(server.wsUrl, "CP-TWIN", { boot: false });
    const closed = await first.closed;
    assertEquals(closed.code, 4000);
    assertEquals(closed.reason, "Replaced by a new connection");
    await firstActor?.stopped;
    const secondActor = server.registry.get("CP-TWIN");
    assert(secondActor && secondActor !== firstActor, "the new actor is registered");
    // Accepted before, so served without a new BootNotification.
    assertEquals(typeof (await second.call("Heartbeat", {})).currentTime, "string");
    second.handle("Reset", () => ({ status: "Accepted" }));
    assertEquals(await server.registry.call("CP-TWIN", "Reset", { type: "Hard" }), { status: "Accepted" });
    await closeStation(second);
  } finally {
    await server.close();
  }
});

Deno.test("500 stations connect at once and each boots and heartbeats", async () => {
  const server = await startTestServer();
  try {
    const ids = Array.from({ length: 500 }, (_, i) => `CP-LOAD-${i}`);
    const stations = await Promise.all(ids.map(async (id) => {
      const station = await connectStation(server.wsUrl, id);
      const beat = await station.call("Heartbeat", {});
      assertEquals(typeof beat.currentTime, "string");
      return station;
    }));
    assertEquals(server.registry.size, 500);
    const stored = await server.store.listChargePoints({ limit: 1000 });
    assertEquals(stored.filter((r) => r.registrationStatus === "Accepted").length, 500);
    await Promise.all(stations.map(closeStation));
    await eventually(() => server.registry.size === 0, 10_000, "all actors to stop");
  } finally {
    await server.close();
  }
});

Deno.test("registration policy Pending: only BootNotification is served until accepted", async () => {
  const server = await startTestServer({ REGISTRATION_POLICY: "Pending", BOOT_RETRY_INTERVAL_S: "42" });
  const raw = await openRaw(`${server.wsUrl}/CP-PENDING`);
  try {
    raw.send(JSON.stringify([2, "h0", "Heartbeat", {}]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "h0", "SecurityError"]);
    // Transaction data from a station that never booted is refused too, and so it is after a Pending boot:
    // only a station Accepted earlier on the connection goes on with its sessions.
    const reading = { timestamp: new Date().toISOString(), sampledValue: [{ value: "1" }] };
    raw.send(JSON.stringify([2, "m0", "MeterValues", { connectorId: 1, meterValue: [reading] }]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "m0", "SecurityError"]);
    raw.send(JSON.stringify([2, "b", "BootNotification", BOOT]));
    const boot = await raw.next() as [number, string, { status: string; interval: number }];
    assertEquals([boot[2].status, boot[2].interval], ["Pending", 42]);
    raw.send(JSON.stringify([2, "m1", "MeterValues", { connectorId: 1, meterValue: [reading] }]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "m1", "SecurityError"]);
    const stop = { transactionId: 1, meterStop: 10, timestamp: new Date().toISOString() };
    raw.send(JSON.stringify([2, "x1", "StopTransaction", stop]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "x1", "SecurityError"]);
    raw.send(JSON.stringify([2, "h1", "Heartbeat", {}]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "h1", "SecurityError"]);
    // The Central System may still send commands to a Pending station.
    const reset = server.registry.call("CP-PENDING", "GetConfiguration", {});
    const call = await raw.next() as unknown[];
    assertEquals(call.slice(0, 3).slice(0, 1), [2]);
    raw.send(JSON.stringify([3, call[1], { configurationKey: [] }]));
    assertEquals(await reset, { configurationKey: [] });
    // What we ask for with a trigger the station accepts is served (§4.2.1: we may ask a Pending station).
    const status = { connectorId: 1, status: "Available", errorCode: "NoError" };
    raw.send(JSON.stringify([2, "s0", "StatusNotification", status]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "s0", "SecurityError"]);
    const trigger = server.registry.call("CP-PENDING", "TriggerMessage", {
      requestedMessage: "StatusNotification",
    });
    const triggerCall = await raw.next() as unknown[];
    assertEquals(triggerCall[2], "TriggerMessage");
    raw.send(JSON.stringify([3, triggerCall[1], { status: "Accepted" }]));
    assertEquals(await trigger, { status: "Accepted" });
    raw.send(JSON.stringify([2, "s1", "StatusNotification", status]));
    assertEquals(await raw.next(), [3, "s1", {}]);
    raw.send(JSON.stringify([2, "h2", "Heartbeat", {}]));
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "h2", "SecurityError"], "not asked for");
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("registration policy Rejected answers Rejected and serves nothing else", async () => {
  const server = await startTestServer({ REGISTRATION_POLICY: "Rejected" });
  const raw = await openRaw(`${server.wsUrl}/CP-REJECTED`);
  try {
    raw.send(JSON.stringify([2, "b", "BootNotification", BOOT]));
    assertEquals((await raw.next() as [number, string, { status: string }])[2].status, "Rejected");
    raw.send(
      JSON.stringify([2, "s", "StatusNotification", {
        connectorId: 1,
        status: "Available",
        errorCode: "NoError",
      }]),
    );
    assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, "s", "SecurityError"]);
  } finally {
    await raw.close();
    await server.close();
  }
});

Deno.test("DataTransfer: a registered vendor answers; an unknown vendorId gets UnknownVendorId", async () => {
  const server = await startTestServer({}, {
    vendors: {
      "com.acme": (_id, request) =>
        request.messageId === "ping" ? { status: "Accepted", data: "pong" } : { status: "UnknownMessageId" },
    },
  });
  const station = await connectStation(server.wsUrl, "CP-DT");
  try {
    assertEquals(await station.call("DataTransfer", { vendorId: "com.acme", messageId: "ping" }), {
      status: "Accepted",
      data: "pong",
    });
    assertEquals(await station.call("DataTransfer", { vendorId: "com.acme", messageId: "other" }), {
      status: "UnknownMessageId",
    });
    assertEquals(await station.call("DataTransfer", { vendorId: "org.unknown" }), {
      status: "UnknownVendorId",
    });
    assertEquals(await station.call("DiagnosticsStatusNotification", { status: "Uploaded" }), {});
    assertEquals(await station.call("FirmwareStatusNotification", { status: "Installed" }), {});
    const record = await server.store.getChargePoint("CP-DT");
    assertEquals([record?.diagnosticsStatus, record?.firmwareStatus], ["Uploaded", "Installed"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a peer that stops answering pings is detected and its actor stopped", async () => {
  const server = await startTestServer({ PING_INTERVAL_S: "1" });
  const raw = await openRaw(`${server.wsUrl}/CP-DEAD`, ["ocpp1.6"], { autoPong: false });
  try {
    await eventually(() => server.registry.get("CP-DEAD"), 2000, "actor to start");
    const closed = await raw.closed;
    assert(closed.code !== 1000, `closed with ${closed.code}`);
    await eventually(() => !server.registry.get("CP-DEAD"), 5000, "dead actor to stop");
  } finally {
    await raw.close();
    await server.close();
  }
});
