/**
 * A request its owner did not answer in time is given up: withdrawn from the owner's inbox if still there.
 * The owner's reply may come while that withdrawal is on its way: the station answered, so the answer wins.
 */
import { assertEquals } from "@std/assert";
import { EventBus } from "../actors/events.ts";
import { createMemoryLogger } from "../logger.ts";
import { EMPTY_REGISTRY, slowSend, slowWithdraw } from "../tests/helpers/cluster_gates.ts";
import { eventually } from "../tests/helpers/server.ts";
import { MemoryClusterHub } from "./memory.ts";
import type { BusMessage, ClusterBackend } from "./mod.ts";
import { ClusterNode } from "./node.ts";

/**
 * node-a as a ClusterNode on `backendA` (requests time out after 100 ms), and node-b, whose bus records the
 * requests it takes and answers none by itself.
 */
async function nodeAndSilentPeer(hub: MemoryClusterHub, backendA: ClusterBackend) {
  const b = hub.backend("node-b");
  await b.presence.renew(60_000);
  const requests: BusMessage[] = [];
  b.bus.onMessage((message) => void (message.kind === "request" && requests.push(message)));
  const logger = createMemoryLogger();
  const node = new ClusterNode({
    backend: backendA,
    registry: EMPTY_REGISTRY,
    events: new EventBus(),
    remoteEvents: new EventBus(),
    logger,
    leaseMs: 60_000,
    requestTimeoutMs: 100,
    flushMs: 5,
  });
  await node.start();
  const owner = { id: "CP-1", nodeId: "node-b", remoteAddress: "", connectedAt: "" };
  return {
    b,
    requests,
    logger,
    node,
    owner,
    close: async () => {
      await node.close();
      await b.close();
    },
  };
}

Deno.test("a reply that comes while the request is being given up wins, and the log says the owner answered", async () => {
  const hub = new MemoryClusterHub();
  const a = slowWithdraw(hub.backend("node-a"));
  const { b, requests, logger, node, owner, close } = await nodeAndSilentPeer(hub, a.backend);
  try {
    const answer = node.call(owner, "Reset", { type: "Soft" }, {});
    await eventually(() => requests.length === 1, 2000, "node-b took the request");
    // node-b is slow: node-a's request times out and it begins to withdraw it.
    await eventually(() => a.state.withdrawals === 1, 2000, "node-a gives up");
    await b.bus.send("node-a", {
      kind: "reply",
      reqId: requests[0]!.reqId,
      ok: true,
      value: { status: "Accepted" },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    a.state.release();
    assertEquals(await answer, { status: "Accepted" });
    const line = () => logger.lines.find((l) => l.msg === "cluster reply came while giving up the request");
    await eventually(() => line() !== undefined, 2000, "the log says the owner answered");
    assertEquals(line()?.to, "node-b");
  } finally {
    await close();
  }
});

/** A request to node-b whose send is still on its way when the request times out (100 ms). */
async function timedOutWhileSending(ok: boolean) {
  const hub = new MemoryClusterHub();
  const a = slowSend(hub.backend("node-a"));
  const { requests, logger, node, owner, close } = await nodeAndSilentPeer(hub, a.backend);
  try {
    const answer = node.call(owner, "Reset", { type: "Soft" }, {}).then(() => null, (error: Error) => error);
    await eventually(() => a.state.sends === 1, 2000, "node-a sends the request");
    // The bus is slow (a full pool, a reconnecting connection): the request's time runs out first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    a.state.release(ok);
    const error = await answer;
    // Whatever reached node-b's inbox is read by now.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { error, requests, logger };
  } finally {
    await close();
  }
}

Deno.test("a request whose send was still on its way when it timed out is withdrawn once stored: never run, reported undelivered", async () => {
  const { error, requests } = await timedOutWhileSending(true);
  assertEquals(requests.length, 0, "node-b got a command its sender had given up");
  assertEquals(error?.name, "NotDeliveredError", String(error));
});

Deno.test("a request whose send was still on its way when it timed out, then refused, is reported undelivered (not a timeout)", async () => {
  const { error, requests, logger } = await timedOutWhileSending(false);
  assertEquals(requests.length, 0);
  assertEquals(error?.name, "NotDeliveredError", String(error));
  assertEquals(logger.lines.filter((l) => l.msg === "cluster reply came while giving up the request"), []);
});

Deno.test("a command asked of a node that has closed is refused at once as undelivered, and nothing is sent", async () => {
  const hub = new MemoryClusterHub();
  const { requests, node, owner, close } = await nodeAndSilentPeer(hub, hub.backend("node-a"));
  try {
    await node.close();
    const started = performance.now();
    const error = await node.call(owner, "Reset", { type: "Soft" }, {}).then(() => null, (e: Error) => e);
    assertEquals(error?.name, "NotDeliveredError", String(error));
    // Not left to its timeout (100 ms here, CALL_TIMEOUT_MS in a server), nobody would give it up.
    assertEquals(performance.now() - started < 50, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(requests.length, 0, "node-b got a command from a node that had left");
  } finally {
    await close();
  }
});
