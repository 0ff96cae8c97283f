/**
 * Issue 10 item 6, as a station or an API client would send it: U+0000 (NUL) in strings, on Deno KV and on
 * PostgreSQL (which cannot store it). One rule for both stores:
 *
 * - a station's transaction messages (StartTransaction, StopTransaction, MeterValues) are stored with NUL
 *   replaced by U+FFFD and answered as usual, so no transaction is lost and nothing is retried;
 * - any other CALL with a NUL gets CALLERROR PropertyConstraintViolation naming the field, every time (never
 *   InternalError, which a station retries forever);
 * - what a station answers to our commands is kept with NUL replaced;
 * - the API answers 400 with a JSON body for a NUL in a path id, a query filter or a body.
 */
import { assert, assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { openRaw, rawCall } from "./helpers/station.ts";

const NUL = "\u0000";
const T0 = "2026-11-25T08:00:00.000Z";
const ignorePostgres = await ignoreWithoutPostgres("NUL tests on PostgreSQL");

function assertRefused(reply: unknown[], field: string) {
  assertEquals(reply[0], 4, JSON.stringify(reply));
  assertEquals(reply[2], "PropertyConstraintViolation");
  assertEquals((reply[4] as { field?: string }).field, field);
}

async function stationSendsNul(server: ApiTestServer) {
  const station = await openRaw(`${server.wsUrl}/CP-NUL`);
  try {
    assertEquals(
      (await rawCall(station, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }))[0],
      3,
    );
    // Refused, the same way every time: nothing for the station to retry.
    for (let i = 0; i < 3; i++) {
      assertRefused(await rawCall(station, "Authorize", { idTag: `A${NUL}B` }), "idTag");
    }
    assertRefused(
      await rawCall(station, "StatusNotification", {
        connectorId: 1,
        status: "Available",
        errorCode: "NoError",
        info: `x${NUL}y`,
      }),
      "info",
    );
    assertRefused(await rawCall(station, "DataTransfer", { vendorId: "Acme", data: NUL }), "data");

    // Transaction messages: stored with U+FFFD, answered as usual, replays idempotent.
    const start = { connectorId: 1, idTag: `A${NUL}B`, meterStart: 100, timestamp: T0 };
    const started = await rawCall(station, "StartTransaction", start);
    assertEquals(started[0], 3, JSON.stringify(started));
    const { transactionId, idTagInfo } = started[2] as {
      transactionId: number;
      idTagInfo: { status: string };
    };
    assertEquals(idTagInfo.status, "Invalid");
    assertEquals(
      ((await rawCall(station, "StartTransaction", start))[2] as { transactionId: number }).transactionId,
      transactionId,
    );
    const meter = {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: "2026-11-25T08:01:00.000Z", sampledValue: [{ value: `1${NUL}2` }] }],
    };
    assertEquals((await rawCall(station, "MeterValues", meter))[0], 3);
    const stopped = await rawCall(station, "StopTransaction", {
      transactionId,
      idTag: `A${NUL}B`,
      meterStop: 200,
      timestamp: "2026-11-25T08:02:00.000Z",
      transactionData: [{ timestamp: "2026-11-25T08:02:00.000Z", sampledValue: [{ value: `2${NUL}00` }] }],
    });
    assertEquals(stopped[0], 3, JSON.stringify(stopped));
    const tx = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
    assertEquals(tx.status, 200);
    assertEquals(tx.body.status, "finished");
    assertEquals(tx.body.idTag, "A\uFFFDB");
    assertEquals(JSON.stringify(tx.body).includes("\\u0000"), false);

    // A NUL in what the station answers our command: kept, replaced, and the station goes on working.
    assertEquals((await rawCall(station, "Heartbeat", {}))[0], 3);
    const command = server.json("/api/v1/charge-points/CP-NUL/GetConfiguration", {
      method: "POST",
      as: "operator",
      body: {},
    });
    const incoming = await station.next(10_000) as unknown[];
    assertEquals(incoming[2], "GetConfiguration");
    station.send(JSON.stringify([3, incoming[1], {
      configurationKey: [{ key: "Greeting", readonly: true, value: `hi${NUL}there` }],
    }]));
    const answered = await command;
    assertEquals(answered.status, 200);
    assertEquals(answered.body.configurationKey[0].value, "hi\uFFFDthere");
    const stored = await server.json("/api/v1/charge-points/CP-NUL/configuration", { as: "viewer" });
    assertEquals(stored.body.configuration[0].value, "hi\uFFFDthere");
    const status = await rawCall(station, "StatusNotification", {
      connectorId: 1,
      status: "Available",
      errorCode: "NoError",
    });
    assertEquals(status[0], 3, JSON.stringify(status));
  } finally {
    await station.close();
  }
  // A station that boots with a NUL is refused, not left to retry.
  const other = await openRaw(`${server.wsUrl}/CP-NUL-2`);
  try {
    assertRefused(
      await rawCall(other, "BootNotification", { chargePointVendor: `Ac${NUL}me`, chargePointModel: "X" }),
      "chargePointVendor",
    );
  } finally {
    await other.close();
  }
}

/**
 * A lone UTF-16 surrogate ("\ud800" in the frame's JSON) follows the NUL rule: PostgreSQL refused it in jsonb,
 * so an orphan stop was answered InternalError for ever, a command answer missed the command log and a
 * 2.0.1 NotifyReport failed, where KV stored it (WebSocket QA, session 30).
 */
async function stationSendsLoneSurrogate(server: ApiTestServer) {
  const station = await openRaw(`${server.wsUrl}/CP-SUR`);
  try {
    assertEquals(
      (await rawCall(station, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }))[0],
      3,
    );
    const refused = await rawCall(station, "DataTransfer", { vendorId: "Acme", data: "x\ud800" });
    assertRefused(refused, "data");
    assert(String(refused[3]).includes("lone UTF-16 surrogate"), String(refused[3]));
    // A stop for a transaction we never issued (an orphan): kept with U+FFFD and answered, every time.
    const orphan = {
      transactionId: 987654,
      meterStop: 200,
      timestamp: T0,
      transactionData: [{ timestamp: T0, sampledValue: [{ value: "1\ud800" }] }],
    };
    for (let i = 0; i < 2; i++) {
      const stopped = await rawCall(station, "StopTransaction", orphan);
      assertEquals(stopped[0], 3, JSON.stringify(stopped));
    }
    const command = server.json("/api/v1/charge-points/CP-SUR/GetConfiguration", {
      method: "POST",
      as: "operator",
      body: {},
    });
    const incoming = await station.next(10_000) as unknown[];
    station.send(JSON.stringify([3, incoming[1], {
      configurationKey: [{ key: "Greeting", readonly: true, value: "hi\udc00" }],
    }]));
    assertEquals((await command).body.configurationKey[0].value, "hi\uFFFD");
    const log = await server.json("/api/v1/charge-points/CP-SUR/commands", { as: "operator" });
    assertEquals(log.status, 200, JSON.stringify(log.body));
    assertEquals(log.body.items.map((e: { action: string }) => e.action), ["GetConfiguration"]);
    assertEquals((await rawCall(station, "Heartbeat", {}))[0], 3);
  } finally {
    await station.close();
  }
}

async function apiSendsNul(server: ApiTestServer) {
  const cases: [string, { method?: string; body?: unknown; as?: "admin" | "operator" | null }][] = [
    ["/api/v1/charge-points/A%00B", {}],
    ["/api/v1/charge-points/A%00B/status-history", {}],
    ["/api/v1/charge-points?search=%00", {}],
    ["/api/v1/transactions?idTag=A%00B", {}],
    ["/api/v1/transactions?chargePointId=%00", {}],
    ["/api/v1/security-events?chargePointId=%00", { as: "operator" }],
    ["/api/v1/id-tags", { method: "POST", body: { idTag: `A${NUL}B`, status: "Accepted" } }],
    ["/api/v1/id-tags/A%00B", { method: "PATCH", body: { status: "Blocked" } }],
    ["/api/v1/charge-points/A%00B", { method: "PUT", body: { registrationStatus: "Accepted" } }],
    ["/api/v1/charge-points/CP-1/DataTransfer", { method: "POST", as: "operator", body: { vendorId: NUL } }],
    ["/api/v1/users", {
      method: "POST",
      body: { username: `u${NUL}`, role: "viewer", password: "long-enough-1" },
    }],
    ["/api/v1/station-security/A%00B", { method: "PATCH", body: { allowedIps: [] } }],
    ["/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: `ro${NUL}ot`, password: "whatever-1" },
    }],
  ];
  for (const [path, init] of cases) {
    const res = await server.json(path, init);
    assertEquals(res.status, 400, `${init.method ?? "GET"} ${path}: ${JSON.stringify(res.body)}`);
    assertEquals(res.body.error, "invalid_request");
    assert(String(res.body.message).includes("U+0000"), res.body.message);
  }
  // A lone UTF-16 surrogate likewise (PostgreSQL refuses it in jsonb, stores U+FFFD in text).
  const lone: [string, { method: string; body: unknown; as?: "admin" | "operator" }][] = [
    ["/api/v1/id-tags", { method: "POST", body: { idTag: "S\udc00", status: "Accepted" } }],
    ["/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "DataTransfer", payload: { vendorId: "a\ud800b" }, chargePointIds: ["CP-1"] },
    }],
    ["/api/v1/charge-points/CP-1/DataTransfer", {
      method: "POST",
      as: "operator",
      body: { vendorId: "r\ud800" },
    }],
  ];
  for (const [path, init] of lone) {
    const res = await server.json(path, init);
    assertEquals(res.status, 400, `${init.method} ${path}: ${JSON.stringify(res.body)}`);
    assert(String(res.body.message).includes("lone UTF-16 surrogate"), res.body.message);
  }
  assertEquals((await server.json("/api/v1/id-tags?limit=10", { as: "viewer" })).body.items.length, 0);
  // Nothing got stuck on the way: the security events are read from the store.
  await server.security.events.flush();
  const events = await server.json("/api/v1/security-events", { as: "operator" });
  assertEquals([events.status, events.body.source], [200, "store"]);
}

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name:
      `${kind}: a station's NUL is refused with PropertyConstraintViolation or stored as U+FFFD, never InternalError`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, stationSendsNul),
  });
  Deno.test({
    name:
      `${kind}: a station's lone surrogate is refused or stored as U+FFFD like a NUL, never InternalError`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, stationSendsLoneSurrogate),
  });
  Deno.test({
    name: `${kind}: a NUL in an API path id, query filter or body is answered 400 with a JSON body`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, apiSendsNul),
  });
}
