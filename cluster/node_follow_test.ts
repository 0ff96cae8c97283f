/**
 * A command follows its station to the node it reconnected to, if its old node never took it, within the one
 * deadline of the command: a hop whose time has run out is not sent.
 */
import { assertEquals } from "@std/assert";
import { EventBus } from "../actors/events.ts";
import { createMemoryLogger } from "../logger.ts";
import { EMPTY_REGISTRY, slowWithdraw } from "../tests/helpers/cluster_gates.ts";
import { eventually } from "../tests/helpers/server.ts";
import { MemoryClusterHub } from "./memory.ts";
import type { BusMessage } from "./mod.ts";
import { ClusterNode } from "./node.ts";

Deno.test("a command taken back from its station's old node when its time has run out is not sent to the new one", async () => {
  const hub = new MemoryClusterHub();
  const a = slowWithdraw(hub.backend("node-a"));
  // node-b never reads its inbox (frozen); the station reconnects to node-c.
  const c = hub.backend("node-c");
  await c.presence.renew(60_000);
  const toC: BusMessage[] = [];
  c.bus.onMessage((message) => void (message.kind === "request" && toC.push(message)));
  const requestTimeoutMs = 300;
  const node = new ClusterNode({
    backend: a.backend,
    registry: EMPTY_REGISTRY,
    events: new EventBus(),
    remoteEvents: new EventBus(),
    logger: createMemoryLogger(),
    leaseMs: 60_000,
    requestTimeoutMs,
    flushMs: 5,
  });
  await node.start();
  try {
    const started = performance.now();
    const owner = {
      id: "CP-1",
      nodeId: "node-b",
      remoteAddress: "",
      connectedAt: "2026-12-06T06:00:00.000Z",
    };
    const answer = node.call(owner, "Reset", { type: "Hard" }, {}).then(() => null, (error: Error) => error);
    const moved = {
      chargePointId: "CP-1",
      nodeId: "node-c",
      connectedAt: "2026-12-06T06:00:01.000Z",
      remoteAddress: "",
    };
    await c.presence.claim([moved]);
    await c.bus.broadcast({ kind: "batch", opened: [moved] });
    await eventually(() => a.state.withdrawals === 1, 2000, "node-a takes the command back from node-b");
    // The withdrawal answers as the event loop is held past the deadline (a busy process): its answer is read
    // before the request's timer runs.
    a.state.release();
    while (performance.now() - started < requestTimeoutMs + 50) { /* busy */ }
    const error = await answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(toC.length, 0, "node-c was sent the command after its deadline");
    assertEquals(error?.name, "NotDeliveredError", String(error));
  } finally {
    await node.close();
    await c.close();
  }
});

Deno.test("a command whose station moved away and back while it was being taken back is sent to its old node again", async () => {
  const hub = new MemoryClusterHub();
  const a = slowWithdraw(hub.backend("node-a"));
  // node-b reads nothing at first (frozen): the command waits in its inbox.
  const b = hub.backend("node-b");
  await b.presence.renew(60_000);
  const c = hub.backend("node-c");
  await c.presence.renew(60_000);
  const toC: BusMessage[] = [];
  c.bus.onMessage((message) => void (message.kind === "request" && toC.push(message)));
  const node = new ClusterNode({
    backend: a.backend,
    registry: EMPTY_REGISTRY,
    events: new EventBus(),
    remoteEvents: new EventBus(),
    logger: createMemoryLogger(),
    leaseMs: 60_000,
    requestTimeoutMs: 5000,
    flushMs: 5,
  });
  await node.start();
  try {
    const at = (s: number) => `2026-12-06T06:00:0${s}.000Z`;
    const entry = (nodeId: string, s: number) => ({
      chargePointId: "CP-1",
      nodeId,
      connectedAt: at(s),
      remoteAddress: "",
    });
    const owner = { id: "CP-1", nodeId: "node-b", remoteAddress: "", connectedAt: at(0) };
    const answer = node.call(owner, "Reset", { type: "Hard" }, {}).then(
      (value) => value,
      (error: Error) => error,
    );
    await c.bus.broadcast({ kind: "batch", opened: [entry("node-c", 1)] });
    await eventually(() => a.state.withdrawals === 1, 2000, "node-a takes the command back from node-b");
    // node-b wakes up and the station connects to it again (newest connection): node-b now answers its requests.
    const toB: BusMessage[] = [];
    b.bus.onMessage((message, from) => {
      if (message.kind !== "request") return;
      toB.push(message);
      void b.bus.send(from, { kind: "reply", reqId: message.reqId, ok: true, value: { status: "Accepted" } });
    });
    await b.bus.broadcast({ kind: "batch", opened: [entry("node-b", 2)] });
    await eventually(
      () => node.connection("CP-1")?.connectedAt === at(2),
      2000,
      "node-a sees CP-1 back on node-b",
    );
    a.state.release();

    assertEquals(await answer, { status: "Accepted" });
    assertEquals(toB.map((m) => m.action), ["Reset"]);
    assertEquals(toC.length, 0);
  } finally {
    await node.close();
    await b.close();
    await c.close();
  }
});
