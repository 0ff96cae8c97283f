/**
 * Clearing a station's protocol errors in a cluster: two server processes on one PostgreSQL database, the
 * station on node A (real WebSocket), operators on A and B (real HTTP). Of two clears at once through the two
 * nodes exactly one clears (one 200, one 409, one log line), connected (decided by A's actor) and offline
 * (decided by one conditional write of the record); a clear through B sees the errors A's actor holds and has
 * not written yet (one a minute at most), not B's stale copy.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster protocol errors clear tests");

// deno-lint-ignore no-explicit-any
type Json = any;

type Api = (
  path: string,
  init?: { method?: string; body?: unknown },
) => Promise<{ status: number; body: Json }>;

interface Nodes {
  a: ServerProcess;
  b: ServerProcess;
  viaA: Api;
  viaB: Api;
}

/** Nodes A and B on a fresh database. */
async function withTwoNodes(fn: (nodes: Nodes) => Promise<void>) {
  const db = await migratedDatabase("perr_cluster_clear");
  const common = {
    DATABASE_URL: db.url,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PRESENCE_LEASE_S: "2",
  };
  // One after the other: the first creates the admin.
  const a = await spawnServer(common);
  const b = await spawnServer(common);
  try {
    await fn({ a, b, viaA: await adminApi(a.url), viaB: await adminApi(b.url) });
  } finally {
    await b.kill("SIGTERM");
    await a.kill("SIGTERM");
    await db.drop();
  }
}

/** Sends a frame the server refuses (a StatusNotification with an unknown status); waits for its CALLERROR. */
async function sendBadFrame(socket: RawSocket, n: number): Promise<void> {
  socket.send(JSON.stringify([2, `bad-${n}`, "StatusNotification", {
    connectorId: 1,
    errorCode: "NoError",
    status: "Asleep",
  }]));
  const answer = await socket.next() as unknown[];
  assertEquals(answer[0], 4, JSON.stringify(answer));
}

/** The station's protocol errors as `api`'s node serves them. */
async function errorsVia(api: Api, id: string): Promise<Json> {
  const { status, body } = await api(`/charge-points/${id}`);
  assertEquals(status, 200, JSON.stringify(body));
  return body.protocolErrors;
}

const clear = (api: Api, id: string, lastAt: string) =>
  api(`/charge-points/${id}/protocol-errors/clear`, { method: "POST", body: { lastAt } });

/** Both nodes' "protocol errors cleared" log lines of `id`. */
const clearedLines = (nodes: Nodes, id: string) =>
  [...nodes.a.logs, ...nodes.b.logs].filter((l) =>
    l.msg === "protocol errors cleared" && l.chargePointId === id
  );

/** Two clears of `id` at once, through A and through B: their answers, the 200 first. */
async function clearTwiceAtOnce(nodes: Nodes, id: string, lastAt: string) {
  const answers = await Promise.all([clear(nodes.viaA, id, lastAt), clear(nodes.viaB, id, lastAt)]);
  return answers.sort((x, y) => x.status - y.status);
}

/** Station `id` connected to node A (raw WebSocket), node B seeing it online there. */
async function connectedToA(nodes: Nodes, id: string): Promise<RawSocket> {
  const station = await bootedRawStation(`${nodes.a.wsUrl}/${id}`);
  await eventually(
    async () => (await nodes.viaB(`/charge-points/${id}`)).body.online === true,
    10_000,
    `node B sees ${id} online on node A`,
  );
  return station;
}

async function closeRaw(station: RawSocket): Promise<void> {
  station.ws.close();
  await station.closed;
}

Deno.test({
  name: "a clear through node B sees the errors node A's actor holds unwritten, not B's stale copy",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async (nodes) => {
      const { viaA, viaB } = nodes;
      const station = await connectedToA(nodes, "CP-A");
      try {
        // The connection's first error is written at once, the next ones within the minute are not.
        await sendBadFrame(station, 1);
        await eventually(async () => (await errorsVia(viaB, "CP-A"))?.count === 1 ? true : null);
        await sendBadFrame(station, 2);
        await sendBadFrame(station, 3);
        const held = await errorsVia(viaA, "CP-A");
        assertEquals(held.count, 3);
        const stale = await errorsVia(viaB, "CP-A");
        assertEquals(stale.count, 1);

        // Cleared through B with what the operator saw on A: A's count; then none, through either node.
        const throughB = await clear(viaB, "CP-A", held.lastAt);
        assertEquals([throughB.status, throughB.body], [200, { chargePointId: "CP-A", cleared: 3 }]);
        assertEquals(await errorsVia(viaA, "CP-A"), null);
        await eventually(async () => (await errorsVia(viaB, "CP-A")) === null ? true : null);
        const again = await clear(viaA, "CP-A", held.lastAt);
        assertEquals([again.status, again.body.details?.reason], [409, "no_protocol_errors"]);
        // A bad frame since (held unwritten): B's old lastAt is not A's, nothing is cleared.
        await sendBadFrame(station, 4);
        const newer = await clear(viaB, "CP-A", stale.lastAt);
        assertEquals([newer.status, newer.body.details?.reason], [409, "protocol_errors_changed"]);
        assertEquals((await errorsVia(viaA, "CP-A")).count, 1);
        assertEquals(clearedLines(nodes, "CP-A").map((l) => l.count), [3]);
      } finally {
        await closeRaw(station);
      }
    }),
});

Deno.test({
  name: "a connected station's errors: of two clears at once through two nodes, one clears",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async (nodes) => {
      const { viaA, viaB } = nodes;
      const station = await connectedToA(nodes, "CP-B");
      try {
        // Written at once: both nodes see it, so each could take it for its own to clear.
        await sendBadFrame(station, 1);
        await eventually(async () => (await errorsVia(viaB, "CP-B"))?.count === 1 ? true : null);
        const seen = await errorsVia(viaA, "CP-B");

        const [won, lost] = await clearTwiceAtOnce(nodes, "CP-B", seen.lastAt);
        assertEquals([won!.status, won!.body], [200, { chargePointId: "CP-B", cleared: 1 }]);
        assertEquals(
          [lost!.status, lost!.body.details?.reason],
          [409, "no_protocol_errors"],
          JSON.stringify(lost),
        );
        assertEquals(await errorsVia(viaA, "CP-B"), null);
        await eventually(() => clearedLines(nodes, "CP-B").length >= 1 ? true : null);
        // A last look: no second line came later.
        await new Promise((r) => setTimeout(r, 300));
        assertEquals(clearedLines(nodes, "CP-B").length, 1);
      } finally {
        await closeRaw(station);
      }
    }),
});

Deno.test({
  name:
    "an offline station's errors: of two clears at once through two nodes, one clears (a conditional write)",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTwoNodes(async (nodes) => {
      const { viaA, viaB } = nodes;
      const station = await bootedRawStation(`${nodes.a.wsUrl}/CP-O`);
      await sendBadFrame(station, 1);
      await sendBadFrame(station, 2);
      await closeRaw(station);
      // Its close writes the one still unwritten; neither node holds it any more.
      for (const api of [viaA, viaB]) {
        await eventually(
          async () => (await api("/charge-points/CP-O")).body.online === false ? true : null,
          10_000,
          "CP-O offline on both nodes",
        );
      }
      const seen = await eventually(async () => {
        const errors = await errorsVia(viaB, "CP-O");
        return errors?.count === 2 ? errors : null;
      });

      const [won, lost] = await clearTwiceAtOnce(nodes, "CP-O", seen.lastAt);
      assertEquals([won!.status, won!.body], [200, { chargePointId: "CP-O", cleared: 2 }]);
      assertEquals(
        [lost!.status, lost!.body.details?.reason],
        [409, "no_protocol_errors"],
        JSON.stringify(lost),
      );
      assertEquals(await errorsVia(viaA, "CP-O"), null);
      assertEquals(await errorsVia(viaB, "CP-O"), null);
      await eventually(() => clearedLines(nodes, "CP-O").length >= 1 ? true : null);
      // A last look: no second line came later.
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(clearedLines(nodes, "CP-O").length, 1);

      // Unknown stations are still 404 through either node.
      assertEquals((await clear(viaB, "CP-NONE", seen.lastAt)).status, 404);
    }),
});
