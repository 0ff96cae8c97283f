/**
 * Webhooks end to end: a receiver on loopback gets signed JSON deliveries of station, transaction, security and
 * job events, a delivery answered 500 is retried with back-off until it is taken, and every attempt is in the
 * delivery log. Attacks: subscriptions to loopback, private, link-local and metadata addresses (directly or
 * by DNS, also DNS that changes after the check), redirects inward, and non-admins.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { WEBHOOK_EVENT_TYPES } from "../fleet/webhook_events.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { verifyWebhook } from "../fleet/webhook_signature.ts";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { type ReceivedRequest, startReceiver } from "./helpers/webhook_receiver.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const FAST = {
  FLEET_POLL_MS: "30",
  WEBHOOK_BACKOFF_BASE_S: "0.2",
  WEBHOOK_BACKOFF_MAX_S: "1",
  WEBHOOK_TIMEOUT_MS: "2000",
};

Deno.test("a loopback receiver gets signed deliveries of every event type, retried after failures", async () => {
  // The first delivery fails twice, then goes through; the others go through at once.
  let firstId: string | null = null;
  let firstTries = 0;
  const receiver = startReceiver((_n, request) => {
    firstId ??= request.headers.get("x-csms-delivery");
    if (request.headers.get("x-csms-delivery") === firstId && ++firstTries <= 2) {
      return new Response("down", { status: 500 });
    }
    return new Response(null, { status: 204 });
  });
  const server = await startApiServer({ ...FAST, WEBHOOK_ALLOW_LOOPBACK: "true" });
  try {
    const created = await server.json("/api/v1/webhooks", {
      method: "POST",
      body: {
        url: `${receiver.url}/hooks/csms`,
        events: WEBHOOK_EVENT_TYPES,
        description: "ops",
      },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const secret = created.body.secret as string;
    assert(secret.length >= 40);
    const listed = await server.json("/api/v1/webhooks");
    assertEquals(listed.body.items[0].secret, undefined, "the secret is shown only at creation");

    const station = await connectStation(server.wsUrl, "CP-HOOK");
    station.handle("ClearCache", () => ({ status: "Accepted" }));
    await station.call("StatusNotification", {
      connectorId: 1,
      status: "Faulted",
      errorCode: "GroundFailure",
    });
    await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "TAG-1",
      meterStart: 100,
      timestamp: new Date().toISOString(),
    });
    await station.call("StopTransaction", {
      transactionId: start.transactionId,
      meterStop: 900,
      timestamp: new Date().toISOString(),
    });
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "ClearCache", chargePointIds: ["CP-HOOK"] },
    });
    assertEquals(job.status, 201);
    const badLogin = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "root", password: "not the password" }),
    });
    await badLogin.body?.cancel();
    // An OCPP 2.0.1 station hears of a grid operator's limit.
    const station201 = await connectStation201(server.wsUrl, "CP-HOOK-201");
    await station201.call("NotifyChargingLimit", {
      evseId: 1,
      chargingLimit: { chargingLimitSource: "SO", isGridCritical: true },
    });
    await closeStation(station201);
    await closeStation(station);
    // An admin takes the 2.0.1 station out of service and puts it back.
    assertEquals((await server.json("/api/v1/charge-points/CP-HOOK-201", { method: "DELETE" })).status, 200);
    const back = await server.json("/api/v1/charge-points/CP-HOOK-201/recommission", { method: "POST" });
    assertEquals(back.status, 200);

    const wanted = WEBHOOK_EVENT_TYPES;
    const delivered = () => {
      const ok = new Map<string, ReceivedRequest>();
      for (const r of receiver.received) ok.set(r.headers.get("x-csms-delivery")!, r);
      return [...ok.values()];
    };
    await eventually(
      () => {
        const types = new Set(delivered().map((r) => r.headers.get("x-csms-event")));
        return wanted.every((t) => types.has(t)) && receiver.received.length >= delivered().length + 2;
      },
      15_000,
      "every event type delivered",
    );

    // Every request is signed over its timestamp and raw body with the subscription's secret.
    for (const r of receiver.received) {
      assertEquals(r.headers.get("content-type"), "application/json");
      const timestamp = Number(r.headers.get("x-csms-timestamp"));
      assert(Math.abs(timestamp - Date.now() / 1000) < 60);
      assert(
        await verifyWebhook(secret, timestamp, r.body, r.headers.get("x-csms-signature")!),
        "bad signature",
      );
      assertEquals(
        await verifyWebhook("another secret", timestamp, r.body, r.headers.get("x-csms-signature")!),
        false,
      );
      const payload = JSON.parse(r.body);
      assertEquals(payload.type, r.headers.get("x-csms-event"));
      assert(typeof payload.id === "string" && typeof payload.at === "string");
    }
    const byType = (type: string) =>
      delivered().map((r) => JSON.parse(r.body)).filter((p) => p.type === type);
    assertEquals(byType("station.faulted")[0].data.connector.errorCode, "GroundFailure");
    assertEquals(byType("transaction.stopped")[0].data.transaction.energyWh, 800);
    assertEquals(byType("job.finished")[0].data.outcomes, { accepted: 1 });
    assertEquals(byType("security.event")[0].data.kind, "login_failed");
    assertEquals(byType("station.online")[0].data.chargePointId, "CP-HOOK");
    assertEquals(byType("station.charging_limit")[0].data, {
      chargePointId: "CP-HOOK-201",
      evseId: 1,
      chargingLimitSource: "SO",
      cleared: false,
      isGridCritical: true,
    });

    // The first delivery was posted three times (500, 500, 204), with a growing wait between the tries.
    const id = firstId!;
    const tries = receiver.received.filter((r) => r.headers.get("x-csms-delivery") === id);
    assertEquals(tries.length, 3);
    assertEquals(new Set(tries.map((r) => r.body)).size, 1, "a retry sends the same body");

    const log = await eventually(
      async () => {
        const { body } = await server.json(
          `/api/v1/webhook-deliveries?subscriptionId=${created.body.id}&limit=100`,
        );
        return body.items.every((d: Json) => d.state === "delivered") ? body.items : null;
      },
      5000,
      "every delivery delivered",
    );
    const retried = log.find((d: Json) => d.id === id);
    assertEquals(retried.log.map((a: Json) => a.status), [500, 500, 204]);
    // Waits of at least 0.2 s and then 0.4 s, each up to 20% shorter (jitter), between the attempts' starts as
    // the dispatcher recorded them (the receiver's clock would also count each request's transit, which load
    // stretches for one request and not the next). Lower bounds only: load may add.
    const started = retried.log.map((a: Json) => Date.parse(a.at));
    assert(started[1] - started[0] >= 160, `retried after ${started[1] - started[0]} ms`);
    assert(started[2] - started[1] >= 320, `the back-off did not double: ${started[2] - started[1]} ms`);
    assertEquals(retried.attempts, 3);
    assertEquals(retried.state, "delivered");
    // Viewers and operators cannot read where data goes.
    assertEquals((await server.json("/api/v1/webhook-deliveries", { as: "operator" })).status, 403);
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("a delivery that keeps failing stops after WEBHOOK_MAX_ATTEMPTS and is failed in the log", async () => {
  const receiver = startReceiver(() => new Response("no", { status: 503 }));
  const server = await startApiServer({ ...FAST, WEBHOOK_ALLOW_LOOPBACK: "true", WEBHOOK_MAX_ATTEMPTS: "3" });
  try {
    const created = await server.json("/api/v1/webhooks", {
      method: "POST",
      body: { url: receiver.url, events: ["station.online"] },
    });
    const station = await connectStation(server.wsUrl, "CP-DOWN");
    await closeStation(station);
    const failed = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/webhook-deliveries?state=failed`);
        return body.items[0] ?? null;
      },
      10_000,
      "a failed delivery",
    );
    assertEquals(failed.subscriptionId, created.body.id);
    assertEquals(failed.log.map((a: Json) => a.error), ["HTTP 503", "HTTP 503", "HTTP 503"]);
    await new Promise((r) => setTimeout(r, 500));
    assertEquals(receiver.received.length, 3, "it was tried again after giving up");
    // A ping answers how the receiver takes a signed test delivery, now.
    const ping = await server.json(`/api/v1/webhooks/${created.body.id}/ping`, { method: "POST" });
    assertEquals([ping.body.status, ping.body.error], [503, "HTTP 503"]);
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("attack: webhooks to loopback, private, link-local or metadata addresses are refused, also by DNS and redirects", async () => {
  const inside = startReceiver();
  let dnsAnswer = ["93.184.216.34"];
  const server = await startApiServer(FAST, { webhookResolve: () => Promise.resolve(dnsAnswer) });
  try {
    const create = (url: string, as: "admin" | "operator" = "admin") =>
      server.json("/api/v1/webhooks", { method: "POST", as, body: { url, events: ["station.online"] } });
    for (
      const [url, word] of <[string, string][]> [
        [inside.url, "loopback"],
        [`http://localhost:${new URL(inside.url).port}/`, "loopback"],
        ["http://[::1]/", "loopback"],
        ["http://[::ffff:127.0.0.1]/", "loopback"],
        ["http://2130706433/", "loopback"],
        ["http://169.254.169.254/latest/meta-data/", "link-local"],
        ["http://10.0.0.1/", "private"],
        ["http://192.168.1.1:8080/", "private"],
        ["http://0.0.0.0:3001/", "unspecified"],
        ["file:///etc/passwd", "scheme"],
        ["https://admin:pw@93.184.216.34/", "password"],
      ]
    ) {
      const res = await create(url);
      assertEquals(res.status, 400, `${url} was accepted`);
      assertEquals(res.body.details.field, "url");
      assertStringIncludes(res.body.message, word, url);
    }
    // A host name whose DNS answer is private is refused like the address.
    dnsAnswer = ["93.184.216.34", "10.1.2.3"];
    const sneaky = await create("https://hooks.example.com/x");
    assertEquals(sneaky.status, 400);
    assertStringIncludes(sneaky.body.message, "10.1.2.3");
    // Only admins subscribe.
    dnsAnswer = ["93.184.216.34"];
    assertEquals((await create("https://hooks.example.com/x", "operator")).status, 403);

    // DNS rebinding: public when saved, loopback when delivered. The delivery is blocked before it connects.
    const rebound = await create(`http://rebind.example.com:${new URL(inside.url).port}/`);
    assertEquals(rebound.status, 201);
    dnsAnswer = ["127.0.0.1"];
    const station = await connectStation(server.wsUrl, "CP-REBIND");
    await closeStation(station);
    const attempt = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/webhook-deliveries?subscriptionId=${rebound.body.id}`);
        return body.items[0]?.log[0] ?? null;
      },
      5000,
      "an attempt",
    );
    assertStringIncludes(attempt.error, "blocked by the webhook URL policy");
    assertEquals(attempt.status, null);
    assertEquals(inside.received.length, 0, "the loopback receiver was reached");
  } finally {
    await server.close();
    await inside.close();
  }
});

Deno.test("attack: a public receiver redirecting inward is not followed", async () => {
  const target = startReceiver();
  const redirecting = startReceiver(() => Response.redirect(`${target.url}/internal`, 307));
  // Loopback stands in for "public" here; the redirect target is what must never be reached.
  const server = await startApiServer({ ...FAST, WEBHOOK_ALLOW_LOOPBACK: "true", WEBHOOK_MAX_ATTEMPTS: "1" });
  try {
    const created = await server.json("/api/v1/webhooks", {
      method: "POST",
      body: { url: redirecting.url, events: ["station.online"] },
    });
    const station = await connectStation(server.wsUrl, "CP-REDIRECT");
    await closeStation(station);
    const failed = await eventually(
      async () => {
        const { body } = await server.json(
          `/api/v1/webhook-deliveries?subscriptionId=${created.body.id}&state=failed`,
        );
        return body.items[0] ?? null;
      },
      5000,
      "the failed delivery",
    );
    assertEquals(failed.log[0].status, 307);
    assertEquals(redirecting.received.length, 1);
    assertEquals(target.received.length, 0, "the redirect was followed");
  } finally {
    await server.close();
    await redirecting.close();
    await target.close();
  }
});
