/**
 * Two server processes on one PostgreSQL database, and the operator's view of them (GET /api/v1/cluster/nodes,
 * the overview): node A, holding three stations, is killed (SIGKILL: no leave, its lease just runs out). Node B
 * then lists A as lost, with when and how many stations it held, and how many of them reconnected to B; B
 * itself alive. The overview shows the notice. (QA, session 38: the stations went offline and nothing told
 * the operator why.)
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster nodes tests");

// deno-lint-ignore no-explicit-any
type Json = any;

interface Killed {
  a: ServerProcess;
  b: ServerProcess;
  /** A's node id, as A listed itself. */
  aId: string;
  /** When A was killed (ms). */
  killedAt: number;
  viaB: (path: string) => Promise<{ status: number; body: Json }>;
}

/** Nodes A and B, CP-1..3 on A; A killed, then CP-1 reconnected to B. */
async function withNodeKilled(fn: (nodes: Killed) => Promise<void>): Promise<void> {
  const db = await migratedDatabase("nodewatch_nodes");
  const env = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PRESENCE_LEASE_S: "2",
  };
  // One after the other: the first creates the admin.
  const a = await spawnServer(env);
  const b = await spawnServer(env);
  const stations: Station[] = [];
  try {
    for (const id of ["CP-1", "CP-2", "CP-3"]) stations.push(await connectStation(a.wsUrl, id));
    const viaA = await adminApi(a.url);
    const viaB = await adminApi(b.url);
    const own = await viaA("/cluster/nodes");
    assertEquals(own.status, 200, JSON.stringify(own.body));
    const aId = (own.body.items as Json[]).find((n) => n.self).nodeId as string;
    // Both alive, A holding three stations (a renewal after the connections came: its count).
    await eventually(
      async () => {
        const items = (await viaB("/cluster/nodes")).body.items as Json[];
        return items.length === 2 && items.every((n) => n.state === "alive") &&
          items.find((n) => n.nodeId === aId)?.stations === 3;
      },
      10_000,
      "node B lists A alive with its three stations",
    );
    // The renewal after the claims: A's count at its last renewal is 3 (renewed every 2/3 s).
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    await a.kill("SIGKILL");
    await Promise.all(stations.splice(0).map((s) => closeStation(s).catch(() => {})));
    stations.push(await connectStation(b.wsUrl, "CP-1"));
    await fn({ a, b, aId, killedAt, viaB });
  } finally {
    await Promise.all(stations.map((s) => closeStation(s).catch(() => {})));
    await b.kill("SIGTERM");
    await a.kill("SIGKILL");
    await db.drop();
  }
}

/** The list once A is lost. */
async function lostList(viaB: Killed["viaB"], aId: string): Promise<Json[]> {
  let items: Json[] = [];
  await eventually(
    async () => {
      items = (await viaB("/cluster/nodes")).body.items;
      return items.some((n) => n.nodeId === aId && n.state === "lost");
    },
    15_000,
    "node B lists A as lost",
  );
  return items;
}

Deno.test({
  name: "a node killed with its stations is listed lost with when and how many; the survivor alive",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withNodeKilled(async ({ b: nodeB, aId, killedAt, viaB }) => {
      const items = await lostList(viaB, aId);
      assertEquals(items.length, 2, JSON.stringify(items));
      const [b, a] = items;
      assertEquals([b.state, b.self, b.stations, b.lostAt, b.reconnected], ["alive", true, 1, null, null]);
      assert(b.lastRenewedAt !== null && b.startedAt !== null, JSON.stringify(b));
      assertEquals([a.state, a.self, a.stations, a.reconnected], ["lost", false, 3, 1], JSON.stringify(a));
      // Lost when its lease (2 s) ran out: after the kill, within a lease and a bit.
      const lostAt = Date.parse(a.lostAt);
      assert(lostAt > killedAt - 100 && lostAt < killedAt + 2500, `${a.lostAt} vs killed at ${killedAt}`);
      assert(Date.parse(a.lastRenewedAt) <= lostAt, JSON.stringify(a));
      assertMatch(a.startedAt, /^\d{4}-\d\d-\d\dT/);
      // CP-2 back on B: counted as it comes.
      const cp2 = await connectStation(nodeB.wsUrl, "CP-2");
      try {
        await eventually(
          async () =>
            ((await viaB("/cluster/nodes")).body.items as Json[]).find((n) => n.nodeId === aId)
              ?.reconnected === 2,
          10_000,
          "CP-2 counted reconnected",
        );
      } finally {
        await closeStation(cp2);
      }
    }),
});

Deno.test({
  name: `dashboard: the overview tells of the killed node and lists the cluster${SKIP_REASON}`,
  ignore: ignore || skipBrowser,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withNodeKilled(async ({ b, aId, viaB }) => {
      await lostList(viaB, aId);
      const browser = await launch();
      const errors: string[] = [];
      try {
        const page = await signedInPage(browser, b.url, ADMIN, errors);
        const notice = page.getByRole("alert", { name: "Cluster nodes lost" });
        await notice.waitFor();
        const text = await notice.innerText();
        assertStringIncludes(text, `Node ${aId} stopped answering by `);
        assertStringIncludes(text, "3 stations were disconnected; 1 reconnected to other nodes.");
        // Its time follows the page's time zone choice, as every other time does.
        assertEquals(await notice.locator("time[datetime]").count(), 1);
        assertEquals(await notice.locator("[data-tz-label]").count(), 1);
        const listing = page.getByRole("table", { name: "Cluster nodes" });
        assertEquals(await listing.locator("tbody tr").count(), 2);
        assertEquals(await listing.locator(`tr[data-node="${aId}"]`).getAttribute("data-state"), "lost");
        await shot(page, "cluster-node-lost");
        assert(errors.length === 0, errors.join("\n"));
      } finally {
        await browser.close();
      }
    }),
});

Deno.test("a single process lists itself alone, alive with its stations; a viewer may not read the nodes", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-1");
  try {
    const nodes = await server.json("/api/v1/cluster/nodes", { as: "operator" });
    assertEquals(nodes.status, 200, JSON.stringify(nodes.body));
    assertEquals(
      nodes.body.items.map((n: Json) => [n.state, n.self, n.stations, n.lostAt, n.reconnected]),
      [["alive", true, 1, null, null]],
    );
    assertMatch(nodes.body.items[0].startedAt, /^\d{4}-\d\d-\d\dT/);
    const viewer = await server.json("/api/v1/cluster/nodes", { as: "viewer" });
    assertEquals([viewer.status, viewer.body.error], [403, "forbidden"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
