/**
 * Two server processes on one PostgreSQL database, as an operator meets a node dying (QA of a production-like
 * run, session 37). A command sent through node B to a station held by node A, just after A was killed,
 * waits in A's inbox, which nobody will read: it never left, so it is 409 `not_connected` and in the command
 * log as such, as on one process (it was answered 504 "was sent ... may have acted on it" and logged nowhere).
 * One that A took before it died is 504 "may have acted on it", and B settles its row (A wrote it `sending`
 * before the CALL left) as `unknown`: A never will.
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi, adminCookie } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { readEvents } from "./helpers/sse.ts";
import { launch, signedInPage, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster dead node command tests");

// deno-lint-ignore no-explicit-any
type Json = any;

interface Nodes {
  a: ServerProcess;
  b: ServerProcess;
  /** Station CP-A, connected to node A. */
  station: Station;
  /** An API request to node B, as the admin. */
  viaB(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: Json }>;
}

/** Nodes A and B on a fresh database, CP-A on A and known to B as online there. */
async function withTwoNodes(fn: (nodes: Nodes) => Promise<void>): Promise<void> {
  const db = await migratedDatabase("csms_dead_node");
  const env = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PRESENCE_LEASE_S: "2",
    CALL_TIMEOUT_MS: "4000",
  };
  // One after the other: the first creates the admin.
  const a = await spawnServer(env);
  const b = await spawnServer(env);
  const station = await connectStation(a.wsUrl, "CP-A");
  try {
    const viaB = await adminApi(b.url);
    await eventually(
      async () => (await viaB("/charge-points/CP-A")).body.online === true,
      10_000,
      "node B sees CP-A online on node A",
    );
    await fn({ a, b, station, viaB });
  } finally {
    await closeStation(station).catch(() => {});
    await b.kill("SIGTERM");
    await a.kill("SIGKILL");
    await db.drop();
  }
}

const resetsLogged = async (viaB: Nodes["viaB"]) =>
  ((await viaB("/charge-points/CP-A/commands")).body.items as Json[])
    .filter((e) => e.action === "Reset")
    .map((e) => [e.outcome, e.requestedBy]);

Deno.test({
  name: "a command routed to a node killed before it took the command is 409 not_connected and logged so",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, station, viaB }) => {
      let resets = 0;
      station.handle("Reset", () => {
        resets++;
        return { status: "Accepted" };
      });
      await a.kill("SIGKILL");
      const reset = await viaB("/charge-points/CP-A/Reset", { method: "POST", body: { type: "Hard" } });

      assertEquals([reset.status, reset.body.error], [409, "not_connected"], JSON.stringify(reset.body));
      assertEquals(resets, 0);
      assertEquals(await resetsLogged(viaB), [["not_connected", "user:root"]]);
      assert(!(await viaB("/charge-points/CP-A")).body.online, "CP-A still online with its node dead");
    }),
});

Deno.test({
  name: "a command a node took before it was killed is 504 'may have acted' and its one row settled unknown",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, station, viaB }) => {
      let received = false;
      station.handle("Reset", () => {
        received = true;
        return new Promise(() => {});
      });
      const answer = viaB("/charge-points/CP-A/Reset", { method: "POST", body: { type: "Hard" } });
      await eventually(() => received, 5000, "CP-A got the Reset");
      await a.kill("SIGKILL");
      const reset = await answer;

      assertEquals([reset.status, reset.body.error], [504, "station_timeout"], JSON.stringify(reset.body));
      // The console's badge reads these: "Node lost: may have acted".
      assertEquals([reset.body.details.sent, reset.body.details.nodeLost], [true, true]);
      // Its one row, written by A before the CALL left, settled by B: outcome unknown.
      assertEquals(await resetsLogged(viaB), [["unknown", "user:root"]]);
    }),
});

Deno.test({
  name: "disconnecting, reading the frames of and securing a station whose node was just killed is no 500",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, viaB }) => {
      await a.kill("SIGKILL");
      const [disconnect, frames, secured] = await Promise.all([
        viaB("/charge-points/CP-A/disconnect", { method: "POST" }),
        viaB("/charge-points/CP-A/frames"),
        viaB("/station-security/CP-A", { method: "PATCH", body: { allowedIps: ["10.0.0.0/8"] } }),
      ]);

      assertEquals(
        [disconnect.status, disconnect.body.error],
        [409, "not_connected"],
        JSON.stringify(disconnect),
      );
      assertEquals(frames.status, 200, JSON.stringify(frames.body));
      assertEquals(
        [secured.status, secured.body.allowedIps],
        [200, ["10.0.0.0/8"]],
        JSON.stringify(secured.body),
      );
    }),
});

Deno.test({
  name:
    "the live stream of a surviving node says a killed node's station went offline when its lease runs out",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, b }) => {
      // What a dashboard open on node B follows: the station's page and the overview (QA, session 38: both
      // kept CP-A "online" for good, as no node ever told the stream, while the API said offline).
      const stream = await fetch(`${b.url}/api/v1/events?chargePointId=CP-A`, {
        headers: { cookie: await adminCookie(b.url) },
      });
      assertEquals(stream.status, 200);
      await new Promise((r) => setTimeout(r, 300));
      await a.kill("SIGKILL");
      const seen = await readEvents(stream.body!, (e) => e.event === "disconnected", 10_000);
      const gone = seen.find((e) => e.event === "disconnected");
      assert(gone, `no disconnected event for CP-A: ${JSON.stringify(seen)}`);
      assertEquals(gone.data.chargePointId, "CP-A");
      assert(String(gone.data.reason).includes("stopped answering"), JSON.stringify(gone.data));
    }),
});

Deno.test({
  name: "a station's page open on a surviving node turns offline and says its node stopped answering",
  ignore: ignore || skipBrowser,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, b }) => {
      const browser = await launch();
      try {
        const errors: string[] = [];
        const page = await signedInPage(browser, b.url, ADMIN, errors);
        await page.goto(`${b.url}/stations/CP-A`);
        await page.locator('.card-head [data-live="true"]').first().waitFor();
        assertEquals(await page.locator("[data-offline-note]").count(), 0);
        await a.kill("SIGKILL");
        const note = page.locator("[data-offline-note]");
        await note.waitFor({ timeout: 10_000 });
        const text = await note.innerText();
        assert(text.includes(`stopped answering`), text);
        assertEquals(errors, []);
      } finally {
        await browser.close();
      }
    }),
});

Deno.test({
  name:
    "the live stream of a surviving node says a frozen node's station is back once the node renews its lease",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, b, viaB }) => {
      const stream = await fetch(`${b.url}/api/v1/events?chargePointId=CP-A`, {
        headers: { cookie: await adminCookie(b.url) },
      });
      assertEquals(stream.status, 200);
      await new Promise((r) => setTimeout(r, 300));
      a.child.kill("SIGSTOP");
      let thawed = false;
      try {
        const seen = await readEvents(stream.body!, (e) => {
          if (e.event === "disconnected" && !thawed) {
            thawed = true;
            a.child.kill("SIGCONT");
          }
          return thawed && e.event === "connected";
        }, 20_000);
        assertEquals(
          seen.map((e) => e.event).filter((e) => e === "disconnected" || e === "connected"),
          ["disconnected", "connected"],
          JSON.stringify(seen),
        );
        assert((await viaB("/charge-points/CP-A")).body.online, "CP-A not online again on node B's API");
      } finally {
        if (!thawed) a.child.kill("SIGCONT");
      }
    }),
});
