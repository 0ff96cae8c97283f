/**
 * Webhooks against receivers that hang, end to end (a real server, real receivers on loopback): a receiver
 * that never answers delays no other subscriber's deliveries and holds only a few requests open, and every
 * attempt is exactly one request, however the connections to the receiver were used before.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { hangUntilClosed, startReceiver } from "./helpers/webhook_receiver.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const FAST = {
  FLEET_POLL_MS: "30",
  WEBHOOK_BACKOFF_BASE_S: "0.2",
  WEBHOOK_BACKOFF_MAX_S: "1",
  WEBHOOK_ALLOW_LOOPBACK: "true",
};

/** Connects and closes stations `CP-<prefix>-1..n`: each makes a `station.online` event. */
async function stationsComeOnline(wsUrl: string, prefix: string, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    await closeStation(await connectStation(wsUrl, `CP-${prefix}-${i + 1}`));
  }));
}

Deno.test("a timed-out attempt is one request: a hanging receiver counts as many POSTs as the log has attempts", async () => {
  // One receiver host: /fast answers at once (leaving kept-alive connections behind), /hang never answers.
  const receiver = startReceiver((_n, request) =>
    new URL(request.url).pathname === "/hang" ? hangUntilClosed(receiver, request) : new Response(null)
  );
  const server = await startApiServer({ ...FAST, WEBHOOK_TIMEOUT_MS: "400", WEBHOOK_MAX_ATTEMPTS: "3" });
  try {
    const subscribe = async (path: string) => {
      const created = await server.json("/api/v1/webhooks", {
        method: "POST",
        body: { url: `${receiver.url}${path}`, events: ["station.online"] },
      });
      assertEquals(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const fast = await subscribe("/fast");
    await stationsComeOnline(server.wsUrl, "WARM", 5);
    await eventually(() => receiver.received.length >= 5, 10_000, "the fast receiver's deliveries");
    assertEquals((await server.json(`/api/v1/webhooks/${fast}`, { method: "DELETE" })).status, 204);

    const hanging = await subscribe("/hang");
    await stationsComeOnline(server.wsUrl, "HANG", 5);
    const failed: Json[] = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/webhook-deliveries?subscriptionId=${hanging}&limit=100`);
        return body.items.length === 5 && body.items.every((d: Json) => d.state === "failed")
          ? body.items
          : null;
      },
      15_000,
      "the hanging receiver's deliveries failed",
    );
    // A request sent again behind the dispatcher's back would arrive right after a timeout: give it time to.
    await new Promise((r) => setTimeout(r, 500));
    const requests = receiver.requestsPerDelivery();
    for (const delivery of failed) {
      assertEquals(delivery.log.length, 3);
      assertEquals(
        requests.get(delivery.id),
        3,
        `delivery ${delivery.id}: ${requests.get(delivery.id)} requests for 3 attempts`,
      );
    }
  } finally {
    await server.close();
    await receiver.close();
  }
});

Deno.test("a receiver that never answers does not hold back another subscriber's deliveries", async () => {
  const fast = startReceiver();
  let open = 0;
  let mostOpen = 0;
  const dead = startReceiver(async (_n, request) => {
    mostOpen = Math.max(mostOpen, ++open);
    try {
      return await hangUntilClosed(dead, request);
    } finally {
      open--;
    }
  });
  const server = await startApiServer({ ...FAST, WEBHOOK_TIMEOUT_MS: "3000", WEBHOOK_MAX_ATTEMPTS: "1" });
  try {
    for (const receiver of [dead, fast]) {
      const created = await server.json("/api/v1/webhooks", {
        method: "POST",
        body: { url: receiver.url, events: ["station.online"] },
      });
      assertEquals(created.status, 201, JSON.stringify(created.body));
    }
    await stationsComeOnline(server.wsUrl, "BURST", 40);
    await eventually(() => fast.received.length >= 40, 15_000, "40 deliveries at the fast receiver");
    // Each arrived soon after its event (before, a tick waited for the dead receiver's timeout: 3 s a round).
    const late = fast.received.map((r) => r.at - Date.parse(JSON.parse(r.body).at));
    assert(Math.max(...late) < 1500, `deliveries arrived up to ${Math.max(...late)} ms after their event`);
    // The dead receiver holds a few requests of this process open, not one per event.
    assert(dead.received.length > 0);
    assert(mostOpen <= 7, `${mostOpen} requests open at once at the dead receiver`);
  } finally {
    await server.close();
    await fast.close();
    await dead.close();
  }
});
