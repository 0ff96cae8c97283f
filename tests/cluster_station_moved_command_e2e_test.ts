/**
 * Server processes on one PostgreSQL database, as an operator meets a station moving off a node that died. A
 * command sent through node A to a station held by node B waits in B's inbox while B is frozen (SIGSTOP), then
 * B is killed (SIGKILL) and the station reconnects to another node: the command follows it there and gets its
 * answer, well before B's lease (15 s) runs out (it waited for the lease, then answered 409 `not_connected`).
 * A command B took before it died is not sent again: 504 "may have acted on it", logged once, as `unknown`.
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster station moved command tests");

// deno-lint-ignore no-explicit-any
type Json = any;
type Api = (
  path: string,
  init?: { method?: string; body?: unknown },
) => Promise<{ status: number; body: Json }>;

/** PostgreSQL's lease (the default): a command that waited for it took at least two thirds of it. */
const LEASE_S = 15;

interface Nodes {
  a: ServerProcess;
  b: ServerProcess;
  /** A third node, when asked for. */
  c: ServerProcess | null;
  /** Station CP-M, connected to node B. */
  station: Station;
  /** An API request to node A, as the admin. */
  viaA: Api;
  /** Node B's id, as presence names it. */
  nodeB: string;
  /** How many requests wait unread in node B's inbox. */
  unreadByB(): Promise<number>;
}

/** Nodes A, B (and C) on a fresh database, CP-M on B and known to A as online there. */
async function withNodes(three: boolean, fn: (nodes: Nodes) => Promise<void>): Promise<void> {
  const db = await migratedDatabase("csms_moved_cmd");
  const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
  const env = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PRESENCE_LEASE_S: String(LEASE_S),
    CALL_TIMEOUT_MS: "10000",
  };
  // One after the other: the first creates the admin.
  const a = await spawnServer(env);
  const b = await spawnServer(env);
  const c = three ? await spawnServer(env) : null;
  const station = await connectStation(b.wsUrl, "CP-M");
  try {
    const viaA = await adminApi(a.url);
    await eventually(
      async () => (await viaA("/charge-points/CP-M")).body.online === true,
      10_000,
      "node A sees CP-M online on node B",
    );
    const nodeB = String((await viaA("/charge-points/CP-M")).body.node);
    const unreadByB = async () =>
      (await sql<{ n: number }[]>`select count(*)::int as n from cluster_messages where to_node = ${nodeB}`)[
        0
      ]!.n;
    await fn({ a, b, c, station, viaA, nodeB, unreadByB });
  } finally {
    await closeStation(station).catch(() => {});
    await b.kill("SIGKILL");
    await c?.kill("SIGTERM");
    await a.kill("SIGTERM");
    await sql.end();
    await db.drop();
  }
}

const resetsLogged = async (viaA: Api) =>
  ((await viaA("/charge-points/CP-M/commands")).body.items as Json[])
    .filter((e) => e.action === "Reset")
    .map((e) => [e.outcome, e.requestedBy]);

for (const where of ["a third node", "the node the command went through"] as const) {
  Deno.test({
    name:
      `a command its station's frozen then killed node never took reaches the station reconnected to ${where}`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withNodes(where === "a third node", async ({ a, b, c, station, viaA, unreadByB }) => {
        let oldResets = 0;
        station.handle("Reset", () => {
          oldResets++;
          return { status: "Accepted" };
        });
        b.child.kill("SIGSTOP");
        const started = Date.now();
        const answer = viaA("/charge-points/CP-M/Reset", { method: "POST", body: { type: "Soft" } });
        await eventually(async () => (await unreadByB()) > 0, 5000, "the Reset waits in node B's inbox");
        await b.kill("SIGKILL");
        const moved = await connectStation((c ?? a).wsUrl, "CP-M", { boot: false });
        try {
          moved.handle("Reset", () => ({ status: "Rejected" }));
          const reset = await answer;
          const tookMs = Date.now() - started;

          assertEquals([reset.status, reset.body.status], [200, "Rejected"], JSON.stringify(reset.body));
          assert(tookMs < (LEASE_S * 1000 * 2) / 3, `answered after ${tookMs} ms: it waited for B's lease`);
          assertEquals(oldResets, 0);
          await eventually(async () => (await resetsLogged(viaA)).length > 0, 5000, "the Reset logged");
          assertEquals(await resetsLogged(viaA), [["accepted", "user:root"]]);
          assertEquals(await unreadByB(), 0);
        } finally {
          await closeStation(moved);
        }
      }),
  });
}

Deno.test({
  name:
    "a command the killed node took is not sent again to the station reconnected elsewhere: 504, logged once",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withNodes(true, async ({ b, c, station, viaA, nodeB }) => {
      let received = false;
      station.handle("Reset", () => {
        received = true;
        return new Promise(() => {});
      });
      const answer = viaA("/charge-points/CP-M/Reset", { method: "POST", body: { type: "Hard" } });
      await eventually(() => received, 5000, "CP-M got the Reset through node B");
      await b.kill("SIGKILL");
      const moved = await connectStation(c!.wsUrl, "CP-M", { boot: false });
      let movedResets = 0;
      moved.handle("Reset", () => {
        movedResets++;
        return { status: "Accepted" };
      });
      try {
        await eventually(
          async () => (await viaA("/charge-points/CP-M")).body.node !== nodeB,
          10_000,
          "node A sees CP-M on node C",
        );
        const reset = await answer;

        assertEquals([reset.status, reset.body.error], [504, "station_timeout"], JSON.stringify(reset.body));
        assert(String(reset.body.message).includes("may have acted"), reset.body.message);
        assertEquals(movedResets, 0);
        // Its one row, written by B before the CALL left, settled by A (B died with it): outcome unknown.
        assertEquals(await resetsLogged(viaA), [["unknown", "user:root"]]);
      } finally {
        await closeStation(moved);
      }
    }),
});
