/**
 * Live events cross nodes only when there is another node to reach: a node alone in the cluster sends none
 * (on PostgreSQL each batch was a NOTIFY that only came back to it), and a node that joins is told the
 * events from then on, without waiting for the others' next presence reload.
 */
import { assert, assertEquals } from "@std/assert";
import { EventBus, type StationEvent } from "../actors/events.ts";
import type { Registry } from "../actors/registry.ts";
import { createMemoryLogger } from "../logger.ts";
import { eventually } from "../tests/helpers/server.ts";
import { MemoryClusterHub } from "./memory.ts";
import type { BusMessage, ClusterBackend } from "./mod.ts";
import { ClusterNode } from "./node.ts";

/** What the node asks of the registry when no station is connected. */
const EMPTY_REGISTRY = {
  attachCluster() {},
  list: () => [],
  connection: () => null,
  replacedElsewhere() {},
} as unknown as Registry;

/** The backend, with every broadcast it sends kept. */
function recording(backend: ClusterBackend): { backend: ClusterBackend; broadcasts: BusMessage[] } {
  const broadcasts: BusMessage[] = [];
  return {
    broadcasts,
    backend: {
      ...backend,
      bus: {
        ...backend.bus,
        nodeId: backend.bus.nodeId,
        send: (to, message) => backend.bus.send(to, message),
        broadcast: (message) => {
          broadcasts.push(message);
          return backend.bus.broadcast(message);
        },
        onMessage: (handler) => backend.bus.onMessage(handler),
        close: () => backend.bus.close(),
      },
    },
  };
}

function node(backend: ClusterBackend) {
  const events = new EventBus();
  const remoteEvents = new EventBus();
  const seen: unknown[] = [];
  remoteEvents.subscribe((event) => seen.push(event));
  const cluster = new ClusterNode({
    backend,
    registry: EMPTY_REGISTRY,
    events,
    remoteEvents,
    logger: createMemoryLogger(),
    // Long: no presence reload during the test, so only the join message can tell a node about another.
    leaseMs: 60_000,
    requestTimeoutMs: 1000,
    flushMs: 5,
  });
  return { cluster, events, seen };
}

const meterValues = (id: string): StationEvent => ({
  type: "meterValues",
  chargePointId: id,
  at: "2026-01-01T00:00:00.000Z",
  connectorId: 1,
  transactionId: null,
  stored: 1,
});

const carriesEvents = (m: BusMessage) => Array.isArray(m.events) && m.events.length > 0;

Deno.test("a node alone sends no events; once another joins, it sends them to it", async () => {
  const hub = new MemoryClusterHub();
  const a = recording(hub.backend("node-a"));
  const nodeA = node(a.backend);
  await nodeA.cluster.start();
  const nodeB = node(hub.backend("node-b"));
  try {
    for (let i = 0; i < 5; i++) nodeA.events.publish(meterValues(`CP-${i}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(a.broadcasts.filter(carriesEvents), [], "alone: nothing to send events to");

    await nodeB.cluster.start();
    // node-a learns of node-b from its join message (its own presence reload is a minute away).
    await eventually(() => nodeA.cluster.liveNodes === 2, 2000, "node-a knows node-b");
    nodeA.events.publish(meterValues("CP-after"));
    await eventually(() => nodeB.seen.length > 0, 2000, "node-b's live stream hears node-a's event");
    assertEquals((nodeB.seen[0] as StationEvent).chargePointId, "CP-after");
    assert(a.broadcasts.some(carriesEvents));
  } finally {
    await nodeB.cluster.close();
    await nodeA.cluster.close();
  }
});
