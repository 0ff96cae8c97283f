/**
 * One command, one row in the command log, whichever node dies or freezes: two server processes on one
 * PostgreSQL database, station CP-A held by node A, the operator on node A or B. The row is written `sending`
 * before the CALL may leave and settled in place by id by whoever learns the outcome: the station's answer
 * (node A), node B when A was lost after it took a command B routed to it (NodeLostError), or the sweep of a
 * surviving node when A dies with a command nobody else waits for. A holder that was only frozen and comes
 * back with the station's answer replaces `unknown` with it.
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster command log tests");

// deno-lint-ignore no-explicit-any
type Json = any;

type Api = (
  path: string,
  init?: { method?: string; body?: unknown },
) => Promise<{ status: number; body: Json }>;

const LEASE_S = 2;

interface Nodes {
  a: ServerProcess;
  /** Station CP-A, connected to node A. */
  station: Station;
  viaA: Api;
  viaB: Api;
}

/** Nodes A and B on a fresh database, CP-A on A and known to B as online there. */
async function withTwoNodes(fn: (nodes: Nodes) => Promise<void>, env: Record<string, string> = {}) {
  const db = await migratedDatabase("cmdlog_cluster_log");
  const common = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PRESENCE_LEASE_S: String(LEASE_S),
    CALL_TIMEOUT_MS: "4000",
    ...env,
  };
  // One after the other: the first creates the admin.
  const a = await spawnServer(common);
  const b = await spawnServer(common);
  const station = await connectStation(a.wsUrl, "CP-A");
  try {
    const viaA = await adminApi(a.url);
    const viaB = await adminApi(b.url);
    await eventually(
      async () => (await viaB("/charge-points/CP-A")).body.online === true,
      10_000,
      "node B sees CP-A online on node A",
    );
    await fn({ a, station, viaA, viaB });
  } finally {
    await closeStation(station).catch(() => {});
    try {
      // A test that froze it: woken, to be stopped.
      a.child.kill("SIGCONT");
    } catch {
      // Already gone.
    }
    await b.kill("SIGTERM");
    await a.kill("SIGKILL");
    await db.drop();
  }
}

/** The command log's Reset rows, as node B's API serves them. */
async function resets(viaB: Api): Promise<Json[]> {
  const log = await viaB("/charge-points/CP-A/commands");
  assertEquals(log.status, 200, JSON.stringify(log.body));
  return (log.body.items as Json[]).filter((e) => e.action === "Reset");
}

/** A station handler that holds its answer until `answer()` (or never). */
function heldReset(station: Station) {
  let received = false;
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  station.handle("Reset", async () => {
    received = true;
    await answered;
    return { status: "Accepted" };
  });
  return { received: () => received, answer: () => answer() };
}

Deno.test({
  name: "a command routed through node B is one row, answered: written sending, settled with the answer",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ station, viaB }) => {
      const reset = heldReset(station);
      const sent = viaB("/charge-points/CP-A/Reset", { method: "POST", body: { type: "Soft" } });
      await eventually(reset.received, 5000, "CP-A got the Reset");
      // Written before the CALL left, by the node that sent it.
      const [sending] = await resets(viaB);
      assertEquals([sending?.outcome, sending?.finishedAt, sending?.requestedBy], [
        "sending",
        null,
        "user:root",
      ]);
      reset.answer();
      const answer = await sent;

      assertEquals([answer.status, answer.body.status], [200, "Accepted"], JSON.stringify(answer.body));
      const rows = await resets(viaB);
      assertEquals(rows.map((e) => [e.id, e.outcome, e.response]), [[sending.id, "accepted", {
        status: "Accepted",
      }]]);
      assert(rows[0].finishedAt !== null && rows[0].nodeId === sending.nodeId, JSON.stringify(rows));
    }),
});

Deno.test({
  name: "a command routed through node B to node A, killed before the station answered, is one row: unknown",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, station, viaB }) => {
      const reset = heldReset(station);
      const sent = viaB("/charge-points/CP-A/Reset", { method: "POST", body: { type: "Hard" } });
      await eventually(reset.received, 5000, "CP-A got the Reset");
      await a.kill("SIGKILL");
      const killedAt = performance.now();
      const answer = await sent;

      assertEquals([answer.status, answer.body.error], [504, "station_timeout"], JSON.stringify(answer.body));
      const rows = await resets(viaB);
      const settledMs = performance.now() - killedAt;
      assertEquals(rows.map((e) => [e.outcome, e.response?.reason, e.requestedBy]), [[
        "unknown",
        "node lost: outcome unknown, the station may have acted",
        "user:root",
      ]]);
      // Within the dead-node detection time: the lease, and a third of it for the next read of the leases.
      assert(settledMs < LEASE_S * 1000 * 4 / 3 + 1500, `settled ${Math.round(settledMs)} ms after the kill`);
    }),
});

Deno.test({
  name:
    "a command node A sent itself, killed before the station answered, is one row settled unknown by node B",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, station, viaA, viaB }) => {
      const reset = heldReset(station);
      // The operator on node A itself: nobody on B waits for this command.
      const sent = viaA("/charge-points/CP-A/Reset", { method: "POST", body: { type: "Hard" } }).catch(() =>
        null
      );
      await eventually(reset.received, 5000, "CP-A got the Reset");
      assertEquals((await resets(viaB)).map((e) => e.outcome), ["sending"]);
      await a.kill("SIGKILL");
      const killedAt = performance.now();
      await sent;

      await eventually(
        async () => (await resets(viaB)).every((e) => e.outcome !== "sending"),
        LEASE_S * 1000 * 3,
        "node B settles the row node A left sending",
      );
      const settledMs = performance.now() - killedAt;
      const rows = await resets(viaB);
      assertEquals(rows.map((e) => [e.outcome, e.response?.reason]), [[
        "unknown",
        "node lost: outcome unknown, the station may have acted",
      ]]);
      // Its lease runs out within LEASE_S; B reads the leases every third of it; the row is then older than a
      // lease (the grace for a node B has not read yet).
      assert(settledMs < LEASE_S * 1000 * 4 / 3 + 1500, `settled ${Math.round(settledMs)} ms after the kill`);
    }),
});

Deno.test({
  name: "a command node A took and was frozen with past node B's bound is one row: unknown, then A's answer",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async ({ a, station, viaB }) => {
      const reset = heldReset(station);
      const sent = viaB("/charge-points/CP-A/Reset", { method: "POST", body: { type: "Soft" } });
      await eventually(reset.received, 5000, "CP-A got the Reset");
      a.child.kill("SIGSTOP");
      // B gives up on A once A's lease ran out: the operator hears "may have acted", the row says unknown.
      const answer = await sent;
      assertEquals([answer.status, answer.body.error], [504, "station_timeout"], JSON.stringify(answer.body));
      assertEquals((await resets(viaB)).map((e) => e.outcome), ["unknown"]);

      a.child.kill("SIGCONT");
      reset.answer();
      // A wakes with the station's answer (within its own CALL_TIMEOUT_MS): what the station did wins.
      await eventually(
        async () => (await resets(viaB)).some((e) => e.outcome !== "unknown"),
        10_000,
        "node A settles the row with the station's answer",
      );
      const rows = await resets(viaB);
      assertEquals(rows.map((e) => [e.outcome, e.response]), [["accepted", { status: "Accepted" }]]);
    }, { CALL_TIMEOUT_MS: "10000" }),
});
