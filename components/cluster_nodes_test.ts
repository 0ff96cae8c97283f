import { assertEquals } from "@std/assert";
import { lostNodeOutcome } from "./cluster_nodes.tsx";
import type { ClusterNode } from "./types.ts";

const node = (over: Partial<ClusterNode>): ClusterNode => ({
  nodeId: "host:42:abcd",
  self: false,
  state: "lost",
  startedAt: null,
  lastRenewedAt: null,
  stations: 3,
  lostAt: "2026-12-06T13:05:09.123Z",
  reconnected: 1,
  ...over,
});

Deno.test("lostNodeOutcome() says how many stations went and how many came back", () => {
  assertEquals(lostNodeOutcome(node({})), "3 stations were disconnected; 1 reconnected to other nodes.");
  assertEquals(
    lostNodeOutcome(node({ stations: 1, reconnected: 0 })),
    "1 station was disconnected; 0 reconnected to other nodes.",
  );
  assertEquals(lostNodeOutcome(node({ stations: 0, reconnected: 0 })), "it held no stations.");
});
