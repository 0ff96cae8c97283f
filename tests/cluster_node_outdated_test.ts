/**
 * A rolling upgrade: the node holding a station runs an older version that does not know a request a newer
 * node sends it (here the protocol-errors clear, routed to the station's owner since this session). It answers
 * as older nodes do, `Unknown cluster request "..."`; the operator on the newer node gets 503 node_outdated with
 * what to do, not a 500. On the memory cluster, the older node played by a bare bus.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { MemoryClusterHub } from "../cluster/memory.ts";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";

Deno.test("a request the station's older node does not know is 503 node_outdated, not a 500", async () => {
  const hub = new MemoryClusterHub();
  const server = await startApiServer({ PRESENCE_LEASE_S: "0.3" }, { cluster: hub.backend("node-new") });
  const old = hub.backend("node-old");
  const asked: string[] = [];
  old.bus.onMessage((message, from) => {
    if (message.kind !== "request") return;
    asked.push(String(message.op));
    void old.bus.send(from, {
      kind: "reply",
      reqId: message.reqId,
      ok: false,
      error: { name: "Error", message: `Unknown cluster request "${String(message.op)}"` },
    });
  });
  const renewing = setInterval(() => void old.presence.renew(60_000), 50);
  try {
    await old.presence.renew(60_000);
    const connectedAt = new Date().toISOString();
    await old.presence.claim([{
      chargePointId: "CP-OLD",
      nodeId: "node-old",
      connectedAt,
      remoteAddress: "x",
    }]);
    // Unknown to this node's store: 404 until this node has learned where the station is connected.
    let res: { status: number; body: Record<string, string> } = { status: 0, body: {} };
    await eventually(
      async () => {
        res = await server.json("/api/v1/charge-points/CP-OLD/protocol-errors/clear", {
          as: "operator",
          method: "POST",
          body: { lastAt: connectedAt },
        });
        return res.status !== 404;
      },
      5000,
      "the station seen connected on the older node",
    );
    assertEquals([res.status, res.body?.error], [503, "node_outdated"], JSON.stringify(res.body));
    assertStringIncludes(String(res.body.message), "older version");
    assertEquals(asked, ["clearProtocolErrors"]);
  } finally {
    clearInterval(renewing);
    await old.presence.leave();
    await server.close();
  }
});
