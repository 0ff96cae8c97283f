/**
 * A graceful stop (SIGTERM) while PostgreSQL hangs: `main.ts` reaches its database through a proxy that
 * freezes (it forwards nothing and closes nothing, as a network partition or a frozen server does), with
 * station writes in flight. The process must exit by itself within SHUTDOWN_DEADLINE_S and a small margin,
 * not wait for the supervisor's SIGKILL; it names what it abandoned, one log line per kind, and exits
 * non-zero; the stations whose writes were abandoned get no CALLRESULT (their sockets are closed, so they
 * send again elsewhere). With the database answering, the same stop stores everything and exits 0.
 */
import { openPostgresPool } from "../postgres_pool.ts";
import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { tcpProxy } from "./helpers/tcp_proxy.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually, within } from "./helpers/server.ts";
import { openRaw, rawAnswer, type RawSocket } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("shutdown with a hung database test");

const DEADLINE_S = 2;
/** What the process may take past its deadline: the last log lines, the pools' sockets dropped, exit. */
const MARGIN_MS = 2_000;

const meterValue = (transactionId: number, value: string) => ({
  connectorId: 1,
  transactionId,
  meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value }] }],
});

const startOn = (connectorId: number) => ({
  connectorId,
  idTag: "TAG-1",
  meterStart: 0,
  timestamp: new Date().toISOString(),
});

/** A station booted with a transaction running (all stored and answered while the database answers). */
async function stationWithTransaction(wsUrl: string, id: string): Promise<{ socket: RawSocket; tx: number }> {
  const socket = await openRaw(`${wsUrl}/${id}`);
  await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
  const started = await rawAnswer(socket, "StartTransaction", startOn(1));
  const tx = started.transactionId as number;
  await rawAnswer(socket, "MeterValues", meterValue(tx, "100"));
  return { socket, tx };
}

Deno.test({
  name:
    "SIGTERM while PostgreSQL hangs: the process exits within its deadline, says what it did not store and answers none of it",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("shutdown_hung");
    const proxy = tcpProxy(new URL(db.url));
    const server = await spawnServer({
      DATABASE_URL: proxy.url(db.url),
      SHUTDOWN_DEADLINE_S: String(DEADLINE_S),
    });
    const sockets: RawSocket[] = [];
    try {
      const metering = await stationWithTransaction(server.wsUrl, "CP-HUNG-1");
      const starting = await stationWithTransaction(server.wsUrl, "CP-HUNG-2");
      sockets.push(metering.socket, starting.socket);
      // An unknown card, answered Invalid: held for the id tags page until the fleet's next flush (2 s).
      const authorized = await rawAnswer(metering.socket, "Authorize", { idTag: "UNKNOWN-CARD" });
      assertEquals(authorized.idTagInfo, { status: "Invalid" });

      proxy.freeze();
      // Writes in flight: sent after the freeze, each waits in a group commit that never hears back.
      metering.socket.send(JSON.stringify([2, "mv-hung", "MeterValues", meterValue(metering.tx, "200")]));
      starting.socket.send(JSON.stringify([2, "start-hung", "StartTransaction", startOn(2)]));
      await new Promise((r) => setTimeout(r, 300));

      const startedAt = Date.now();
      const status = await within(server.kill("SIGTERM"), 60_000, "the process to exit").catch((e) => {
        for (const l of server.logs.slice(-40)) console.log(JSON.stringify(l));
        throw e;
      });
      const tookMs = Date.now() - startedAt;
      assert(tookMs < DEADLINE_S * 1000 + MARGIN_MS, `stopped in ${tookMs} ms`);
      assertNotEquals(status.code, 0, "something was abandoned");

      // The stations heard nothing for the writes in flight: their sockets were closed (going away).
      for (const socket of sockets) {
        const closed = await within(socket.closed, 5_000, "the station's socket to close");
        assertEquals(closed.code, 1001);
        assertEquals(socket.received, [], "no answer to a write that was not stored");
      }
      const tags = server.logs.filter((l) =>
        l.msg === "shutdown deadline reached: unknown id tags not recorded"
      );
      // UNKNOWN-CARD, and TAG-1 of the starts unless a flush took it before the freeze.
      assertEquals(tags.length, 1, JSON.stringify(server.logs.slice(-20)));
      assertEquals(tags[0]?.level, "error");
      assert(Number(tags[0]?.tags) >= 1, JSON.stringify(tags[0]));
      // One line per kind of thing abandoned: the stations' writes, and the cluster lease not given up.
      const writes = server.logs.filter((l) =>
        l.msg === "shutdown deadline reached: station writes not stored"
      );
      assertEquals(writes.length, 1, JSON.stringify(server.logs.slice(-20)));
      assertEquals(writes[0]?.level, "error");
      assertEquals(writes[0]?.stations, 2);
      assertEquals(writes[0]?.unanswered, 2);
      assertEquals((writes[0]?.chargePointIds as string[]).toSorted(), ["CP-HUNG-1", "CP-HUNG-2"]);
      const lease = server.logs.filter((l) =>
        l.msg === "shutdown deadline reached: cluster presence not given up"
      );
      assertEquals(lease.length, 1);
      assert(Date.parse(String(lease[0]?.expiresAt)) > startedAt, JSON.stringify(lease[0]));
    } finally {
      for (const s of sockets) await s.close().catch(() => {});
      await server.kill("SIGKILL");
      await proxy.close();
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "WORKERS=2 with PostgreSQL hung: SIGTERM stops every worker before the grace, and the supervisor exits 75",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("shutdown_hung_workers");
    const proxy = tcpProxy(new URL(db.url));
    const supervisor = await spawnServer({
      DATABASE_URL: proxy.url(db.url),
      WORKERS: "2",
      WORKER_STOP_GRACE_S: "8",
      SHUTDOWN_DEADLINE_S: String(DEADLINE_S),
    });
    const sockets: RawSocket[] = [];
    try {
      await eventually(
        () => supervisor.logs.filter((l) => l.msg === "listening").length >= 2,
        30_000,
        "both workers listening",
      );
      const metering = await stationWithTransaction(supervisor.wsUrl, "CP-HUNG-W1");
      sockets.push(metering.socket);
      proxy.freeze();
      metering.socket.send(JSON.stringify([2, "mv-hung", "MeterValues", meterValue(metering.tx, "200")]));
      await new Promise((r) => setTimeout(r, 300));

      const startedAt = Date.now();
      supervisor.child.kill("SIGTERM");
      const status = await within(supervisor.child.status, 30_000, "the supervisor to exit");
      const tookMs = Date.now() - startedAt;
      assertEquals(supervisor.logs.filter((l) => l.msg === "worker killed"), [], "no worker SIGKILLed");
      assert(tookMs < DEADLINE_S * 1000 + MARGIN_MS, `stopped in ${tookMs} ms`);
      assertEquals(status.code, 75);
      const writes = supervisor.logs.filter((l) =>
        l.msg === "shutdown deadline reached: station writes not stored"
      );
      assertEquals(writes.map((l) => l.chargePointIds), [["CP-HUNG-W1"]]);
      assertEquals((await within(metering.socket.closed, 5_000, "the socket to close")).code, 1001);
      assertEquals(metering.socket.received, []);
    } finally {
      for (const s of sockets) await s.close().catch(() => {});
      await supervisor.kill("SIGKILL");
      await proxy.close();
      await db.drop();
    }
  },
});

Deno.test({
  name: "SIGTERM with PostgreSQL answering: everything is stored, the stations are answered, exit 0",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("shutdown_healthy");
    const proxy = tcpProxy(new URL(db.url));
    const server = await spawnServer({
      DATABASE_URL: proxy.url(db.url),
      SHUTDOWN_DEADLINE_S: String(DEADLINE_S),
    });
    const sockets: RawSocket[] = [];
    const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      const metering = await stationWithTransaction(server.wsUrl, "CP-OK-1");
      sockets.push(metering.socket);
      metering.socket.send(JSON.stringify([2, "mv-last", "MeterValues", meterValue(metering.tx, "200")]));
      await eventually(() => metering.socket.received.length === 1, 15_000, "the last MeterValues answered");
      assertEquals((metering.socket.received[0] as unknown[])[0], 3);

      const signalledAt = new Date();
      const status = await within(server.kill("SIGTERM"), 60_000, "the process to exit");
      assertEquals(status.code, 0);
      assertEquals(server.logs.filter((l) => String(l.msg).startsWith("shutdown deadline reached")), []);
      const rows = await sql`select sampled::text as s from meter_groups where charge_point_id = 'CP-OK-1'`;
      assertEquals(rows.length, 2, JSON.stringify(rows));
      // The close's lastSeen written, and the node's lease given up (the other nodes see it gone at once).
      const [station] = await sql`select last_seen from charge_points where id = 'CP-OK-1'`;
      assert(
        new Date(station?.last_seen).getTime() >= signalledAt.getTime() - 1000,
        String(station?.last_seen),
      );
      assertEquals((await sql`select node_id from cluster_nodes`).length, 0);
    } finally {
      for (const s of sockets) await s.close().catch(() => {});
      await server.kill("SIGKILL");
      await sql.end();
      await proxy.close();
      await db.drop();
    }
  },
});
