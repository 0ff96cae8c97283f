/**
 * `GET /metrics` over real HTTP with a real station: every family the README promises moves when the thing
 * it counts happens (CALLs by action and outcome with their latency, handshakes, group commits of the store,
 * operator commands, event streams, connected stations, memory); and who may read it: an API token of any
 * role or an admin session, never an anonymous caller (401) or a viewer or operator session (403).
 * `/healthz` and `/readyz` answer without a login; `/readyz` says 503 once the store is gone.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { PrometheusMetrics } from "../metrics/prometheus.ts";
import { KvStore, openKvHandle } from "../store/kv/mod.ts";
import { ADMIN, type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { sample } from "./helpers/metrics.ts";
import { closeStation, connectStation, expectRefused, openRaw } from "./helpers/station.ts";

async function scrape(server: ApiTestServer): Promise<string> {
  const res = await server.api("/metrics", { as: "viewer" });
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/plain");
  return await res.text();
}

async function withMetricsServer(fn: (server: ApiTestServer) => Promise<void>) {
  const metrics = new PrometheusMetrics();
  const store = new KvStore(await openKvHandle(":memory:"), {
    commitObserver: (batch) => metrics.storeCommitted(batch),
  });
  const server = await startApiServer({ CALL_TIMEOUT_MS: "500" }, { store, metrics });
  try {
    await fn(server);
  } finally {
    await server.close();
    await store.close();
  }
}

Deno.test("GET /metrics counts CALLs by action and outcome with latency, handshakes, store commits, commands, streams and memory", async () => {
  await withMetricsServer(async (server) => {
    const station = await connectStation(server.wsUrl, "CP-METRICS");
    try {
      station.handle("TriggerMessage", () => ({ status: "Accepted" }));
      await station.call("Heartbeat", {});
      await station.call("Heartbeat", {});
      await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
      // A CALL of an action that does not exist, and one with a bad payload: answered with CALLERRORs.
      const raw = await openRaw(`${server.wsUrl}/CP-METRICS-RAW`);
      raw.send(JSON.stringify([2, "u1", "MadeUpAction", {}]));
      assertEquals((await raw.next() as unknown[])[2], "NotImplemented");
      raw.send(JSON.stringify([2, "b1", "BootNotification", { chargePointVendor: 7 }]));
      assertEquals((await raw.next() as unknown[])[0], 4);
      await raw.close();
      assertEquals(await expectRefused(`${server.wsUrl}/CP-METRICS-BAD`, ["ocpp2.1"]), 400);

      assertEquals(
        (await server.api("/api/v1/charge-points/CP-METRICS/TriggerMessage", {
          method: "POST",
          as: "operator",
          body: { requestedMessage: "Heartbeat" },
        })).status,
        200,
      );
      // Known (pre-registered) but not connected.
      assertEquals(
        (await server.json("/api/v1/charge-points/CP-NOWHERE", {
          method: "PUT",
          body: { registrationStatus: "Accepted" },
        })).status,
        201,
      );
      const offline = await server.api("/api/v1/charge-points/CP-NOWHERE/ClearCache", {
        method: "POST",
        as: "operator",
        body: {},
      });
      await offline.body?.cancel();
      assertEquals(offline.status, 409);

      const stream = await server.api("/api/v1/events", { as: "viewer" });
      let text = await scrape(server);
      assertEquals(sample(text, "csms_sse_clients"), 1);
      await stream.body?.cancel();
      await eventually(
        async () => sample(await scrape(server), "csms_sse_clients") === 0,
        3000,
        "stream end",
      );

      text = await scrape(server);
      assertEquals(sample(text, "csms_connected_stations"), 1);
      assertEquals(sample(text, "csms_ocpp_messages_total", { action: "Heartbeat", outcome: "accepted" }), 2);
      assertEquals(
        sample(text, "csms_ocpp_messages_total", { action: "BootNotification", outcome: "accepted" }),
        1,
      );
      assertEquals(
        sample(text, "csms_ocpp_messages_total", { action: "StatusNotification", outcome: "accepted" }),
        1,
      );
      // A made-up action is counted under "other": a station cannot create series without bound.
      assertEquals(
        sample(text, "csms_ocpp_messages_total", { action: "other", outcome: "NotImplemented" }),
        1,
      );
      assertEquals(
        sample(text, "csms_ocpp_messages_total", {
          action: "BootNotification",
          outcome: "TypeConstraintViolation",
        }),
        1,
      );
      assertEquals(sample(text, "csms_ocpp_call_duration_seconds_count", { action: "Heartbeat" }), 2);
      assert((sample(text, "csms_ocpp_call_duration_seconds_sum", { action: "Heartbeat" }) ?? -1) >= 0);
      assertEquals(
        sample(text, "csms_ocpp_call_duration_seconds_bucket", { action: "Heartbeat", le: "+Inf" }),
        2,
      );
      assertEquals(sample(text, "csms_ocpp_handshakes_total", { outcome: "accepted", status: "101" }), 2);
      assertEquals(sample(text, "csms_ocpp_handshakes_total", { outcome: "refused", status: "400" }), 1);
      assertEquals(
        sample(text, "csms_operator_commands_total", { action: "TriggerMessage", outcome: "accepted" }),
        1,
      );
      assertEquals(
        sample(text, "csms_operator_commands_total", { action: "ClearCache", outcome: "not_connected" }),
        1,
      );
      // Heartbeats touch the station through the store's group commit.
      assert((sample(text, "csms_store_commit_batch_size_count", { outcome: "ok" }) ?? 0) >= 2, text);
      assert((sample(text, "csms_store_commit_duration_seconds_count", { outcome: "ok" }) ?? 0) >= 2);
      assert((sample(text, "process_resident_memory_bytes") ?? 0) > 1_000_000);
      assert((sample(text, "csms_heap_used_bytes") ?? 0) > 1_000_000);
    } finally {
      await closeStation(station);
    }
  });
});

Deno.test("GET /metrics refuses anonymous callers (401) and viewer and operator sessions (403); a token of any role and an admin session may read it", async () => {
  await withMetricsServer(async (server) => {
    const anonymous = await fetch(`${server.url}/metrics`);
    assertEquals(anonymous.status, 401);
    assertEquals(anonymous.headers.get("www-authenticate"), 'Bearer realm="metrics"');
    assertEquals((await anonymous.json()).error, "unauthenticated");
    const forged = await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer csms_forged" } });
    assertEquals(forged.status, 401);
    await forged.body?.cancel();

    for (const [username, role] of [["vic", "viewer"], ["otto", "operator"]] as const) {
      const password = `${role}-password-1`;
      assertEquals(
        (await server.json("/api/v1/users", { method: "POST", body: { username, role, password } })).status,
        201,
      );
      const cookie = await server.login(username, password);
      const res = await fetch(`${server.url}/metrics`, { headers: { cookie } });
      assertEquals(res.status, 403, role);
      const body = await res.json();
      assertEquals(body.error, "forbidden");
      assertStringIncludes(body.message, role);
    }
    const admin = await fetch(`${server.url}/metrics`, {
      headers: { cookie: await server.login(ADMIN.username, ADMIN.password) },
    });
    assertEquals(admin.status, 200);
    assertStringIncludes(await admin.text(), "csms_connected_stations 0");
    for (const role of ["viewer", "operator", "admin"] as const) {
      const res = await server.api("/metrics", { as: role });
      assertEquals(res.status, 200, role);
      await res.body?.cancel();
    }
  });
});

Deno.test("/healthz and /readyz answer anonymously; /readyz is 503 once the store cannot be reached", async () => {
  const store = new KvStore(await openKvHandle(":memory:"));
  const server = await startApiServer({}, { store });
  try {
    const health = await fetch(`${server.url}/healthz`);
    assertEquals(health.status, 200);
    assertEquals((await health.json()).status, "ok");
    const ready = await fetch(`${server.url}/readyz`);
    assertEquals(ready.status, 200);
    assertEquals(await ready.json(), { status: "ready" });
    await store.close();
    const gone = await fetch(`${server.url}/readyz`);
    assertEquals(gone.status, 503);
    const body = await gone.json();
    assertEquals(body.status, "unavailable");
    assertStringIncludes(body.message, "The store cannot be reached");
  } finally {
    await server.close();
  }
});
