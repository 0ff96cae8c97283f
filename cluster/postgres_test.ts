/**
 * The PostgreSQL cluster parts as two nodes use them: a message to a node that was not listening is taken
 * when it comes (once), presence follows the node lease, the back-off counts are shared, and so is the log
 * of refused handshakes.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { createMemoryLogger } from "../logger.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../tests/helpers/postgres.ts";
import { eventually } from "../tests/helpers/server.ts";
import { tcpProxy } from "../tests/helpers/tcp_proxy.ts";
import type { BusMessage, ClusterBackend } from "./mod.ts";
import { checkWithdraw } from "./bus_withdraw_check.ts";
import { openPostgresCluster } from "./postgres.ts";
import { checkPresenceTie } from "./presence_tie_check.ts";
import { openPostgresSecurityViews } from "./postgres_views.ts";

const ignore = await ignoreWithoutPostgres("cluster PostgreSQL tests");

async function withDatabase(fn: (url: string) => Promise<void>) {
  const db = await migratedDatabase("csms_cluster_pg");
  try {
    await (await openPostgresStore(db.url)).close();
    await fn(db.url);
  } finally {
    await db.drop();
  }
}

Deno.test({
  name: "a message sent to a node that is not listening yet is delivered once when it starts",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      const a = await openPostgresCluster(url, { nodeId: "a", logger, pollMs: 100 });
      await a.bus.send("b", { kind: "hello", n: 1 });
      const b = await openPostgresCluster(url, { nodeId: "b", logger, pollMs: 100 });
      const got: BusMessage[] = [];
      b.bus.onMessage((m) => got.push(m));
      try {
        await a.bus.send("b", { kind: "hello", n: 2 });
        await a.bus.broadcast({ kind: "big", text: "x".repeat(9000) });
        await eventually(() => got.length >= 3, 5000, "three messages");
        await new Promise((r) => setTimeout(r, 400));
        assertEquals(got.filter((m) => m.kind === "hello").map((m) => m.n).sort(), [1, 2]);
        assertEquals(got.filter((m) => m.kind === "big").length, 1);
      } finally {
        await a.close();
        await b.close();
      }
    }),
});

Deno.test({
  name: "withdraw takes back a message its node has not read, and not one it has",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      await checkWithdraw((nodeId) => openPostgresCluster(url, { nodeId, logger, pollMs: 100 }));
    }),
});

Deno.test({
  name:
    "a send whose answer is lost after it committed resolves with a receipt that withdraws it: taken, false; still in the inbox, true",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      const proxy = tcpProxy(new URL(url));
      const a = await openPostgresCluster(proxy.url(url), {
        nodeId: "a",
        logger,
        pollMs: 100,
        maxConnections: 1,
      });
      const b = await openPostgresCluster(url, { nodeId: "b", logger, pollMs: 100 });
      const got: BusMessage[] = [];
      b.bus.onMessage((m) => got.push(m));
      const look = openPostgresPool(url, { max: 1, onnotice: () => {} });
      try {
        await a.bus.send("b", { kind: "hello", n: 1 });
        await eventually(() => got.length === 1, 5000, "the first message");

        // Taken by its node: the sender must not call it undelivered (node b acts on it).
        proxy.loseAnswers();
        const taken = a.bus.send("b", { kind: "hello", n: 2 });
        await eventually(() => got.length === 2, 5000, "node b took the message whose answer is lost");
        proxy.cut();
        assertEquals(await a.bus.withdraw("b", await taken), false);

        // Left in node c's inbox: the receipt finds it though its id never came back. (A send first, on the
        // new connection: postgres.js prepares a statement in a round trip of its own.)
        await a.bus.send("b", { kind: "hello", n: 3 });
        await eventually(() => got.length === 3, 5000, "the third message");
        proxy.loseAnswers();
        const left = a.bus.send("c", { kind: "hello", n: 4 });
        const inbox = async () => (await look`select 1 from cluster_messages where to_node = 'c'`).length;
        await eventually(async () => (await inbox()) === 1, 5000, "the message committed for node c");
        proxy.cut();
        assertEquals(await a.bus.withdraw("c", await left), true);
        assertEquals(await inbox(), 0);
        assert(logger.lines.some((l) => l.msg === "cluster message may have been stored"), "logged");
      } finally {
        await look.end();
        await a.close();
        await b.close();
        await proxy.close();
      }
    }),
});

Deno.test({
  name: "a send the database refuses, or one whose connection never comes, rejects (nothing was stored)",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const proxy = tcpProxy(new URL(url));
      const a = await openPostgresCluster(proxy.url(url), {
        nodeId: "a",
        logger: createMemoryLogger(),
        pollMs: 60_000,
        maxConnections: 1,
      });
      try {
        // jsonb stores no NUL character: PostgreSQL answers with an error, so the row is not there.
        await assertRejects(() => a.bus.send("b", { kind: "hello", text: "\u0000" }));
        // The server's address refuses connections: the statement never left. (Once the client has seen its
        // connection close: a statement written on it before would be one whose fate is unknown.)
        await proxy.close();
        await new Promise((resolve) => setTimeout(resolve, 200));
        await assertRejects(() => a.bus.send("b", { kind: "hello", n: 1 }));
      } finally {
        await a.close();
        await proxy.close();
      }
    }),
});

Deno.test({
  name: "a station is present while its node's lease runs; the newest connection wins",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      const a = await openPostgresCluster(url, { nodeId: "a", logger });
      const b = await openPostgresCluster(url, { nodeId: "b", logger });
      try {
        await a.presence.renew(60_000);
        await b.presence.renew(60_000);
        const older = "2026-12-01T10:00:00.000Z", newer = "2026-12-01T10:00:01.000Z";
        await b.presence.claim([{
          chargePointId: "CP-1",
          nodeId: "b",
          connectedAt: newer,
          remoteAddress: "x",
        }]);
        await a.presence.claim([{
          chargePointId: "CP-1",
          nodeId: "a",
          connectedAt: older,
          remoteAddress: "y",
        }]);
        await a.presence.claim([{
          chargePointId: "CP-2",
          nodeId: "a",
          connectedAt: older,
          remoteAddress: "y",
        }]);
        const held = async () =>
          (await b.presence.stations()).map((s) => `${s.chargePointId}@${s.nodeId}`).sort();
        assertEquals(await held(), ["CP-1@b", "CP-2@a"]);
        // a's last renewal is for 1 ms (a lease of 400 ms could run out under load before the first look).
        await a.presence.renew(1);
        await new Promise((r) => setTimeout(r, 10));
        assertEquals(await held(), ["CP-1@b"], "a's lease ran out");
        assertEquals((await b.presence.nodes()).map((n) => n.nodeId), ["b"]);
      } finally {
        await a.close();
        await b.close();
      }
    }),
});

Deno.test({
  name: "two connections of a station in the same millisecond: presence names the node the registry keeps",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      const opened: ClusterBackend[] = [];
      try {
        await checkPresenceTie(async (nodeId) => {
          opened.push(await openPostgresCluster(url, { nodeId, logger }));
          return opened.at(-1)!;
        });
      } finally {
        for (const backend of opened) await backend.close();
      }
    }),
});

Deno.test({
  name:
    "a node whose lease ran out is recorded lost with its stations; one that leaves is not; one back is alive",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      const a = await openPostgresCluster(url, { nodeId: "a", logger });
      const b = await openPostgresCluster(url, { nodeId: "b", logger });
      const c = await openPostgresCluster(url, { nodeId: "c", logger });
      try {
        const at = "2026-12-01T10:00:00.000Z";
        const entry = (id: string, node: string) => ({
          chargePointId: id,
          nodeId: node,
          connectedAt: at,
          remoteAddress: "x",
        });
        await a.presence.renew(60_000, 3);
        await b.presence.renew(60_000, 0);
        await c.presence.renew(60_000, 0);
        await a.presence.claim([entry("CP-1", "a"), entry("CP-2", "a"), entry("CP-3", "a")]);
        // CP-1 moves to b before a's lease runs out (newer connection), a then stops renewing.
        await b.presence.claim([{ ...entry("CP-1", "b"), connectedAt: "2026-12-01T10:00:01.000Z" }]);
        await a.presence.renew(1, 3);
        await c.presence.leave();
        await new Promise((r) => setTimeout(r, 10));
        const first = await b.history!.read();
        assertEquals(first.live.map((n) => [n.nodeId, n.stations]), [["b", 1]]);
        assertEquals(
          first.lost.map((n) => [n.nodeId, n.stationsAtRenewal, n.leftBehind, n.leftBehindBack]),
          [["a", 3, 2, 0]],
          "c left cleanly: not lost",
        );
        // CP-2 comes back on b; read again (by any node): recorded once, the count follows.
        await b.presence.claim([{ ...entry("CP-2", "b"), connectedAt: "2026-12-01T10:00:02.000Z" }]);
        const again = await c.history!.read();
        assertEquals(again.lost.map((n) => [n.nodeId, n.leftBehind, n.leftBehindBack]), [["a", 2, 1]]);
        assertEquals(again.lost[0]!.lostAt, first.lost[0]!.lostAt);
        // a was only frozen: it renews, and is live again (describeNodes lists it alive only).
        await a.presence.renew(60_000, 1);
        const back = await b.history!.read();
        assertEquals(back.live.map((n) => n.nodeId).sort(), ["a", "b"]);
      } finally {
        await a.close();
        await b.close();
        await c.close();
      }
    }),
});

Deno.test({
  name: "two nodes share the authentication back-off and the log of refused handshakes",
  ignore,
  fn: () =>
    withDatabase(async (url) => {
      const logger = createMemoryLogger();
      const a = openPostgresSecurityViews(url, { nodeId: "a", logger });
      const b = openPostgresSecurityViews(url, { nodeId: "b", logger });
      try {
        const settings = { freeFailures: 2, baseMs: 1000, maxMs: 60_000 };
        const onA = a.backoff(settings), onB = b.backoff(settings);
        // The back-off goes by the database's clock (the nodes' `now` is not used): as if `ms` had passed.
        const sql = openPostgresPool(url, { max: 1, onnotice: () => {} });
        const later = (ms: number) =>
          sql`update auth_backoff set blocked_until = blocked_until - ${ms}::bigint,
            last_failure = last_failure - ${ms}::bigint`;
        const about = (actual: number, expected: number, msg: string) =>
          assert(
            actual <= expected && actual > expected - 500,
            `${msg}: ${actual}, expected about ${expected}`,
          );
        const key = "10.0.0.9 cp:CP-1";
        assertEquals(await onA.attempt(key, 0), 0);
        assertEquals(await onB.attempt(key, 0), 0);
        assertEquals(await onA.attempt(key, 0), 0, "the third goes ahead, counted across nodes");
        await later(500);
        about(await onB.retryAfterMs(key, 0), 500, "read on the other node");
        about(await onB.attempt(key, 0), 500, "refused on the other node while it waits");
        await later(500);
        assertEquals(await onB.attempt(key, 0), 0);
        about(await onA.retryAfterMs(key, 0), 2000, "doubles");
        await later(2 * 60_000 + 1);
        assertEquals(await onA.attempt(key, 0), 0, "quiet for 2 x maxMs: starts over");
        assertEquals(await onA.retryAfterMs(key, 0), 0);
        await onA.succeeded(key);
        assertEquals(await onB.retryAfterMs(key, 0), 0);
        // Parallel attempts on both nodes: counted before they are checked, so as many pass as one after another.
        const parallel = "10.0.0.9 user:root";
        const waits = await Promise.all(
          Array.from({ length: 30 }, (_, i) => (i % 2 ? onA : onB).attempt(parallel, 0)),
        );
        assertEquals(waits.filter((w) => w === 0).length, 3, JSON.stringify(waits));
        assert(waits.every((w) => w === 0 || (w > 500 && w <= 1000)), JSON.stringify(waits));
        await later(1000);
        assertEquals(await onB.attempt(parallel, 0), 0, "after the wait, one more");
        about(await onA.attempt(parallel, 0), 2000, "which doubled it");
        await onB.succeeded(parallel);
        assertEquals(await onA.attempt(parallel, 0), 0);
        await sql.end();
        a.handshakes.append({
          at: "t1",
          chargePointId: "CP-9",
          remoteAddress: "10.0.0.1",
          status: 401,
          reason: "no",
        });
        await eventually(async () => (await b.handshakes.list(10)).length === 1, 3000, "the refusal shared");
        const [entry] = await b.handshakes.list(10);
        assert(entry?.chargePointId === "CP-9" && entry.status === 401);
      } finally {
        await a.close();
        await b.close();
      }
    }),
});
