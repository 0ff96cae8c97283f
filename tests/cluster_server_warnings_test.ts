/**
 * The other nodes' server warnings as node A's admin gets them (GET /api/v1/server-warnings), on the memory
 * cluster: named as theirs, a kind this version does not know skipped (a newer node's), and a cluster that
 * cannot be read leaves A's own list, not a 500.
 */
import { assertEquals } from "@std/assert";
import { MemoryClusterHub } from "../cluster/memory.ts";
import type { ClusterBackend } from "../cluster/mod.ts";
import { startApiServer } from "./helpers/api.ts";

Deno.test("another node's warnings are listed as its own; unknown kinds skipped; an unreadable cluster is not a 500", async () => {
  const hub = new MemoryClusterHub();
  const broken = { on: false };
  const backend = hub.backend("node-a");
  const cluster: ClusterBackend = {
    ...backend,
    presence: {
      ...backend.presence,
      warnings: () =>
        broken.on ? Promise.reject(new Error("cluster_nodes unreadable")) : backend.presence.warnings(),
    },
  };
  const server = await startApiServer({}, { cluster });
  const b = hub.backend("node-b");
  try {
    await b.presence.renew(60_000, 0, [
      {
        kind: "background_task_failing",
        message: 'Background task "jobs" has failed',
        task: "jobs",
        since: "x",
      },
      { kind: "a_kind_of_a_newer_version", message: "?" },
    ]);
    const res = await server.json("/api/v1/server-warnings", { as: "admin" });
    assertEquals(res.status, 200);
    assertEquals(res.body.items, [{
      kind: "background_task_failing",
      message: 'On node node-b: Background task "jobs" has failed',
      task: "jobs",
      since: "x",
      node: "node-b",
    }]);
    broken.on = true;
    const alone = await server.json("/api/v1/server-warnings", { as: "admin" });
    assertEquals([alone.status, alone.body.items], [200, []]);
    // A node whose warnings are gone (its next renewal) is not listed.
    broken.on = false;
    await b.presence.renew(60_000, 0, []);
    assertEquals((await server.json("/api/v1/server-warnings", { as: "admin" })).body.items, []);
  } finally {
    await b.presence.leave();
    await server.close();
  }
});
