/**
 * A SecurityEventNotification the station sends again after it was answered (the answer lost to a reconnect;
 * Security Whitepaper ed. 3 A04 makes stations queue and redeliver them) is answered again but stored once,
 * and not counted against the station's quota twice: the store refuses the same station's same CALL id with the
 * same event in the write that would store it (PostgreSQL: a unique index, migration 043; KV: a key checked in
 * the same atomic). So the rule holds after a restart, on another node of a cluster and behind any number of
 * newer events. A station that reuses a message id after a reboot with a different event has it stored, and a
 * station flooding distinct ids is still bounded by its quota. Driven with raw `ws` frames: the test chooses
 * the message ids.
 */
import { assert, assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores, type Stores } from "../store/open.ts";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN, type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { openRaw, type RawSocket } from "./helpers/station.ts";

interface Item {
  kind: string;
  reason: string;
}

const noPostgres = await ignoreWithoutPostgres("security event retransmissions on PostgreSQL");

const ENV = {
  STATION_SECURITY_EVENT_MAX: "5",
  STATION_SECURITY_EVENT_WINDOW_S: "3600",
  STATION_SECURITY_EVENT_REPORT_S: "3600",
  PING_INTERVAL_S: "0",
};

/** A SecurityEventNotification CALL frame, as the station sends it. */
function eventCall(id: string, type: string, timestamp: string, techInfo?: string): string {
  return JSON.stringify([2, id, "SecurityEventNotification", {
    type,
    timestamp,
    ...(techInfo ? { techInfo } : {}),
  }]);
}

/** A station on `wsUrl`, booted (Accepted). */
async function booted(wsUrl: string, id: string): Promise<RawSocket> {
  const socket = await openRaw(`${wsUrl}/${id}`);
  socket.send(
    JSON.stringify([2, "boot", "BootNotification", { chargePointVendor: "X", chargePointModel: "Y" }]),
  );
  const boot = await socket.next() as unknown[];
  assertEquals([boot[0], boot[1], (boot[2] as Record<string, unknown>).status], [3, "boot", "Accepted"]);
  return socket;
}

/** Sends `frame` and expects its empty CALLRESULT: what a station is answered whether stored or not. */
async function answered(socket: RawSocket, frame: string): Promise<void> {
  socket.send(frame);
  const id = (JSON.parse(frame) as unknown[])[1];
  assertEquals(await socket.next(), [3, id, {}]);
}

type Get = (path: string) => Promise<{ status: number; body: { items: Item[] } }>;

/** The station's stored events of its own (`station_event*`), oldest first, and the drops its reports add up to. */
async function logOf(get: Get, id: string): Promise<{ stored: string[]; dropped: number }> {
  const page = await get(`/security-events?chargePointId=${id}&limit=200`);
  assertEquals(page.status, 200, JSON.stringify(page.body));
  const items = page.body.items.toReversed();
  const dropped = items.filter((e) => e.kind === "station_events_dropped")
    .reduce((sum, e) => sum + Number(/: (\d+) dropped/.exec(e.reason)?.[1] ?? NaN), 0);
  return {
    stored: items.filter((e) => e.kind.startsWith("station_event_") || e.kind === "station_event")
      .map((e) => e.reason),
    dropped,
  };
}

const viaApi = (server: ApiTestServer): Get => (path) => server.json(`/api/v1${path}`, { as: "operator" });

const T0 = "2026-12-01T10:00:00.000Z";
const FIRST = eventCall("sec-1", "InvalidMessages", T0, "lost answer");
const FIRST_REASON = `InvalidMessages: lost answer (station time ${T0})`;

/**
 * One store, three servers in turn on it (a restart between each): the retransmission after a reconnect and
 * after a restart is stored once, a reused id with another event is stored, the quota counts neither the
 * retransmissions it refused nor one sent again while over the quota.
 */
async function retransmissionsOnOneStore(open: () => Promise<Stores>, id: string): Promise<void> {
  let stores = await open();
  let server = await startApiServer(ENV, stores);
  try {
    let socket = await booted(server.wsUrl, id);
    await answered(socket, FIRST);
    // The answer was lost, as far as the station knows: it reconnects and sends the same CALL again.
    await socket.close();
    socket = await booted(server.wsUrl, id);
    await answered(socket, FIRST);
    assertEquals((await logOf(viaApi(server), id)).stored, [FIRST_REASON]);
    await socket.close();

    // A restart: nothing of the first server's memory is left.
    await server.close();
    await stores.close();
    stores = await open();
    server = await startApiServer(ENV, stores);
    socket = await booted(server.wsUrl, id);
    await answered(socket, FIRST);
    assertEquals((await logOf(viaApi(server), id)).stored, [FIRST_REASON], "still one after a restart");

    // Rebooted, the station counts its message ids from the start again: the same id, another event, stored.
    await answered(socket, eventCall("sec-1", "AttemptedReplayAttacks", T0, "lost answer"));
    await answered(socket, eventCall("sec-1", "InvalidMessages", "2026-12-01T10:05:00.000Z", "lost answer"));
    // Two more fill the quota of 5: had the refused retransmissions been counted, these would be dropped.
    await answered(socket, eventCall("sec-2", "InvalidMessages", T0, "fourth"));
    await answered(socket, eventCall("sec-3", "InvalidMessages", T0, "fifth"));
    // Over the quota: a new one is dropped (and counted), the retransmission is neither.
    await answered(socket, eventCall("sec-4", "InvalidMessages", T0, "over the quota"));
    await answered(socket, FIRST);
    await socket.close();
    const { stored } = await logOf(viaApi(server), id);
    assertEquals(stored, [
      FIRST_REASON,
      `AttemptedReplayAttacks: lost answer (station time ${T0})`,
      "InvalidMessages: lost answer (station time 2026-12-01T10:05:00.000Z)",
      `InvalidMessages: fourth (station time ${T0})`,
      `InvalidMessages: fifth (station time ${T0})`,
    ]);
    // Its shutdown reports the drops not reported yet.
    await server.close();
    server = await startApiServer(ENV, stores);
    const after = await logOf(viaApi(server), id);
    assertEquals(after.stored.length, 5);
    assertEquals(after.dropped, 1, "one dropped: the new event, not the retransmission");
  } finally {
    await server.close();
    await stores.close();
  }
}

Deno.test("KV: a retransmitted SecurityEventNotification is stored once, after a reconnect and after a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "secretx_retx_kv_" });
  try {
    await retransmissionsOnOneStore(
      () => openStores(parseConfig({ KV_PATH: `${dir}/csms.kv` }), createMemoryLogger()),
      "CP-RETX-KV",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "PostgreSQL: a retransmitted SecurityEventNotification is stored once, after a reconnect and after a restart",
  ignore: noPostgres,
  async fn() {
    const db = await migratedDatabase("secretx_retx");
    try {
      await retransmissionsOnOneStore(
        () => openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger()),
        "CP-RETX-PG",
      );
    } finally {
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "a cluster: the retransmission reaches the other node, which stores nothing and counts nothing; distinct ids stay within the quota",
  ignore: noPostgres,
  async fn() {
    const db = await migratedDatabase("secretx_retx_cluster");
    const common = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      ...ENV,
      STATION_SECURITY_EVENT_MAX: "2",
      STATION_SECURITY_EVENT_REPORT_S: "1",
    };
    // One after the other: the first creates the admin.
    const a = await spawnServer(common);
    const b = await spawnServer(common);
    const sockets: RawSocket[] = [];
    try {
      const onA = await booted(a.wsUrl, "CP-RETX-CL");
      sockets.push(onA);
      await answered(onA, FIRST);
      await onA.close();
      const onB = await booted(b.wsUrl, "CP-RETX-CL");
      sockets.push(onB);
      await answered(onB, FIRST);
      const viaB = await adminApi(b.url);
      const get: Get = (path) => viaB(path);
      assertEquals(
        (await logOf(get, "CP-RETX-CL")).stored,
        [FIRST_REASON],
        "one event, whichever node heard it",
      );
      // B read the station's count from the shared log (1 of 2) and did not count the retransmission: room
      // for one more.
      await answered(onB, eventCall("sec-2", "InvalidMessages", T0, "second"));
      assertEquals((await logOf(get, "CP-RETX-CL")).stored, [
        FIRST_REASON,
        `InvalidMessages: second (station time ${T0})`,
      ]);
      // Attack: distinct ids for the same event are distinct messages, and the quota bounds them.
      for (let i = 0; i < 30; i++) {
        await answered(onB, eventCall(`flood-${i}`, "InvalidMessages", T0, "second"));
      }
      const flooded = await eventually(
        async () => {
          const log = await logOf(get, "CP-RETX-CL");
          return log.dropped === 30 ? log : null;
        },
        15_000,
        "30 drops reported",
      );
      assertEquals(flooded!.stored.length, 2);
      const viaA = await adminApi(a.url);
      assert(
        (await logOf((path) => viaA(path), "CP-RETX-CL")).stored.length === 2,
        "node A reads the same log",
      );
    } finally {
      for (const socket of sockets) await socket.close();
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});
