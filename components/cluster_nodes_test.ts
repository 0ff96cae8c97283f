import { assertEquals } from "@std/assert";
import { lostNodeMessage } from "./cluster_nodes.tsx";
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

Deno.test("lostNodeMessage() says when the node stopped, how many stations went and how many came back", () => {
  assertEquals(
    lostNodeMessage(node({})),
    "Node host:42:abcd stopped answering by 2026-12-06 13:05:09 UTC: 3 stations were disconnected; 1 reconnected to other nodes.",
  );
  assertEquals(
    lostNodeMessage(node({ stations: 1, reconnected: 0 })),
    "Node host:42:abcd stopped answering by 2026-12-06 13:05:09 UTC: 1 station was disconnected; 0 reconnected to other nodes.",
  );
  assertEquals(
    lostNodeMessage(node({ stations: 0, reconnected: 0 })),
    "Node host:42:abcd stopped answering by 2026-12-06 13:05:09 UTC: it held no stations.",
  );
});
