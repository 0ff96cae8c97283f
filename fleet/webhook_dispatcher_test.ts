import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { WebhookSubscription } from "../store/fleet.ts";
import { openKvFleetStore } from "../store/kv/fleet.ts";
import { timeSortableIds } from "./ids.ts";
import { WebhookDispatcher } from "./webhook_dispatcher.ts";
import type { WebhookPost } from "./webhook_transport.ts";
import { webhookUrlPolicy } from "./webhook_url_policy.ts";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

/** One tick, and the attempts it started. */
async function tickAndWait(dispatcher: WebhookDispatcher): Promise<void> {
  await dispatcher.tick();
  await dispatcher.drain();
}

function subscription(id: string, overrides: Partial<WebhookSubscription> = {}): WebhookSubscription {
  return {
    id,
    url: "https://hooks.example.com/in",
    events: ["station.offline"],
    secret: "s3cret",
    enabled: true,
    description: "",
    createdBy: "user:root",
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

/** An answer: a status, null (no answer), or "hang" (none until the attempt is cut short). */
async function setup(answers: (number | null | "hang")[]) {
  const fleet = await openKvFleetStore(":memory:");
  let now = T0;
  const posted: { url: string; addresses: readonly string[]; headers: Record<string, string> }[] = [];
  const post: WebhookPost = (request) => {
    posted.push({ url: request.url.toString(), addresses: request.addresses, headers: request.headers });
    const status = answers.length > 0 ? answers.shift()! : 204;
    if (status === "hang") {
      return new Promise((resolve) =>
        request.signal?.addEventListener("abort", () => resolve({ status: null, error: "cut short" }))
      );
    }
    return Promise.resolve(
      status === null ? { status: null, error: "connection refused" } : { status, error: null },
    );
  };
  const dispatcher = new WebhookDispatcher({
    webhooks: fleet.webhooks,
    policy: webhookUrlPolicy({ allowLoopback: false, allowedNetworks: "" }),
    resolve: () => Promise.resolve(["93.184.216.34"]),
    post,
    now: () => new Date(now),
    newId: timeSortableIds(),
    holder: "test",
    logger: createMemoryLogger(),
    settings: {
      timeoutMs: 1000,
      maxAttempts: 3,
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
      concurrency: 10,
      perSubscription: 10,
      subscriptionCacheMs: 0,
    },
  });
  const event = {
    id: "station.offline:CP-1:x",
    type: "station.offline" as const,
    at: new Date(T0).toISOString(),
    data: { chargePointId: "CP-1" },
  };
  return { fleet, dispatcher, posted, event, advance: (ms: number) => (now += ms) };
}

Deno.test("WebhookDispatcher: only enabled subscriptions that want the event get it, at the checked address", async () => {
  const { fleet, dispatcher, posted, event } = await setup([]);
  try {
    await fleet.webhooks.putSubscription(subscription("wants"));
    await fleet.webhooks.putSubscription(subscription("other", { events: ["job.finished"] }));
    await fleet.webhooks.putSubscription(subscription("off", { enabled: false }));
    assertEquals(await dispatcher.emit(event), 1);
    await tickAndWait(dispatcher);
    assertEquals(posted.map((p) => [p.url, p.addresses, p.headers["x-csms-event"]]), [
      ["https://hooks.example.com/in", ["93.184.216.34"], "station.offline"],
    ]);
  } finally {
    await fleet.close();
  }
});

Deno.test("WebhookDispatcher: retries wait their back-off, and the last failure is final", async () => {
  const { fleet, dispatcher, posted, event, advance } = await setup([500, null, 502]);
  try {
    await fleet.webhooks.putSubscription(subscription("sub"));
    await dispatcher.emit(event);
    await tickAndWait(dispatcher);
    assertEquals(posted.length, 1);
    advance(700);
    await tickAndWait(dispatcher);
    assertEquals(posted.length, 1, "retried before its back-off");
    advance(400);
    await tickAndWait(dispatcher);
    assertEquals(posted.length, 2);
    advance(2100);
    await tickAndWait(dispatcher);
    assertEquals(posted.length, 3);
    advance(60_000);
    await tickAndWait(dispatcher);
    assertEquals(posted.length, 3, "tried again after WEBHOOK_MAX_ATTEMPTS");
    const [delivery] = await fleet.webhooks.listDeliveries({ limit: 10 });
    assertEquals([delivery?.state, delivery?.attempts], ["failed", 3]);
    assertEquals(delivery?.log.map((a) => a.error), ["HTTP 500", "connection refused", "HTTP 502"]);
    assertEquals(new Set(posted.map((p) => p.headers["x-csms-delivery"])).size, 1);
  } finally {
    await fleet.close();
  }
});

Deno.test("WebhookDispatcher: an attempt a stopping server cut short is not the delivery's last: it stays queued, even on its last attempt", async () => {
  const { fleet, dispatcher, posted, event, advance } = await setup([500, null, "hang"]);
  try {
    await fleet.webhooks.putSubscription(subscription("sub"));
    await dispatcher.emit(event);
    await tickAndWait(dispatcher);
    advance(1100);
    await tickAndWait(dispatcher);
    advance(2100);
    await dispatcher.tick();
    while (posted.length < 3) await new Promise((r) => setTimeout(r, 1));
    const deadline = new AbortController();
    deadline.abort();
    assertEquals(await dispatcher.drain(deadline.signal), 1);
    const [cut] = await fleet.webhooks.listDeliveries({ limit: 10 });
    assertEquals(cut?.state, "pending", "the receiver never said no: posted again once a server runs");
    assertEquals(cut?.log.at(-1)?.error, "cut short");
  } finally {
    await fleet.close();
  }
});

Deno.test("WebhookDispatcher: a delivery whose subscription was deleted fails at once, without a request", async () => {
  const { fleet, dispatcher, posted, event } = await setup([]);
  try {
    await fleet.webhooks.putSubscription(subscription("gone"));
    await dispatcher.emit(event);
    await fleet.webhooks.deleteSubscription("gone");
    await tickAndWait(dispatcher);
    assertEquals(posted, []);
    const [delivery] = await fleet.webhooks.listDeliveries({ limit: 10 });
    assertEquals([delivery?.state, delivery?.log[0]?.error], ["failed", "the subscription was deleted"]);
  } finally {
    await fleet.close();
  }
});

Deno.test("WebhookDispatcher: events that find the cache expired share one listing; a change meanwhile lists again", async () => {
  const fleet = await openKvFleetStore(":memory:");
  try {
    await fleet.webhooks.putSubscription(subscription("wants"));
    let lists = 0;
    let release = () => {};
    let gate = Promise.resolve();
    const store = fleet.webhooks;
    const webhooks = new Proxy(store, {
      get(target, name) {
        if (name === "listSubscriptions") {
          return async () => {
            lists++;
            const list = await target.listSubscriptions();
            await gate;
            return list;
          };
        }
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    let now = T0;
    const dispatcher = new WebhookDispatcher({
      webhooks,
      policy: webhookUrlPolicy({ allowLoopback: false, allowedNetworks: "" }),
      resolve: () => Promise.resolve(["93.184.216.34"]),
      post: () => Promise.resolve({ status: 204, error: null }),
      now: () => new Date(now),
      newId: timeSortableIds(),
      holder: "test",
      logger: createMemoryLogger(),
      settings: {
        timeoutMs: 1000,
        maxAttempts: 3,
        backoffBaseMs: 1000,
        backoffMaxMs: 60_000,
        concurrency: 10,
        perSubscription: 10,
        subscriptionCacheMs: 5_000,
      },
    });
    const event = (n: number) => ({
      id: `station.offline:CP-${n}:x`,
      type: "station.offline" as const,
      at: new Date(T0).toISOString(),
      data: { chargePointId: `CP-${n}` },
    });
    assertEquals(await Promise.all([1, 2, 3, 4].map((n) => dispatcher.emit(event(n)))), [1, 1, 1, 1]);
    assertEquals(lists, 1);
    assertEquals(await dispatcher.emit(event(5)), 1, "cached");
    assertEquals(lists, 1);
    now += 5_000;
    assertEquals(await Promise.all([6, 7, 8].map((n) => dispatcher.emit(event(n)))), [1, 1, 1]);
    assertEquals(lists, 2, "one listing per expiry");
    // A change while a listing is under way: that listing does not fill the cache, the next event lists anew.
    now += 5_000;
    gate = new Promise((resolve) => (release = resolve));
    const during = dispatcher.emit(event(9));
    await fleet.webhooks.putSubscription(subscription("second"));
    dispatcher.invalidate();
    release();
    assertEquals(await during, 1, "the listing started before the change");
    assertEquals(await dispatcher.emit(event(10)), 2, "the change is seen");
    assertEquals(lists, 4);
  } finally {
    await fleet.close();
  }
});

Deno.test("WebhookDispatcher: a receiver that hangs holds a few attempts in flight, and the others' deliveries go on", async () => {
  const fleet = await openKvFleetStore(":memory:");
  const hanging: (() => void)[] = [];
  const posted: string[] = [];
  const post: WebhookPost = (request) => {
    posted.push(request.url.hostname);
    if (request.url.hostname !== "slow.example.com") return Promise.resolve({ status: 204, error: null });
    return new Promise((resolve) => hanging.push(() => resolve({ status: null, error: "no answer" })));
  };
  const dispatcher = new WebhookDispatcher({
    webhooks: fleet.webhooks,
    policy: webhookUrlPolicy({ allowLoopback: false, allowedNetworks: "" }),
    resolve: () => Promise.resolve(["93.184.216.34"]),
    post,
    now: () => new Date(),
    newId: timeSortableIds(),
    holder: "test",
    logger: createMemoryLogger(),
    settings: {
      timeoutMs: 1000,
      maxAttempts: 1,
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
      concurrency: 20,
      perSubscription: 3,
      subscriptionCacheMs: 0,
    },
  });
  try {
    await fleet.webhooks.putSubscription(subscription("slow", { url: "https://slow.example.com/in" }));
    await fleet.webhooks.putSubscription(subscription("fast", { url: "https://fast.example.com/in" }));
    for (let n = 0; n < 30; n++) {
      await dispatcher.emit({
        id: `station.offline:CP-${n}:x`,
        type: "station.offline",
        at: new Date().toISOString(),
        data: { chargePointId: `CP-${n}` },
      });
    }
    // Ticks return while the slow receiver hangs; each one claims more of the fast receiver's deliveries.
    for (let i = 0; i < 20 && posted.filter((h) => h === "fast.example.com").length < 30; i++) {
      await dispatcher.tick();
      await new Promise((r) => setTimeout(r, 0));
    }
    assertEquals(posted.filter((h) => h === "fast.example.com").length, 30);
    const slow = posted.filter((h) => h === "slow.example.com").length;
    assertEquals(slow >= 3 && slow <= 5, true, `${slow} attempts in flight at the hanging receiver`);
    for (const release of hanging.splice(0)) release();
    await dispatcher.drain();
  } finally {
    for (const release of hanging.splice(0)) release();
    await dispatcher.drain();
    await fleet.close();
  }
});
