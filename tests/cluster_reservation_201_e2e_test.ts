/**
 * The ledger's 2.0.1 ReserveNow (`reserveNow201`) across a cluster, as 1.6's is tested: two server processes on
 * one PostgreSQL database, a raw `ws` 2.0.1 station on node A, the operator on node B. Answered in time, the
 * reservation is made and confirmed, and node A's actor guards its EVSE (a remote start for another idToken
 * asked on node B is refused). Node A SIGKILLed while the station holds the CALL unanswered: node B hears its
 * node lost (504), the ledger holds the reservation, unconfirmed, and once the station is back on node B a
 * cancel reaches it there and ends it.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { openRaw, rawAnswer, rawCall, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CP = "CP-RSV201CLUSTER";

async function booted201(wsUrl: string): Promise<RawSocket> {
  const socket = await openRaw(`${wsUrl}/${CP}`, ["ocpp2.0.1"]);
  const boot = await rawAnswer(socket, "BootNotification", {
    reason: "PowerUp",
    chargingStation: { model: "Volt-2", vendorName: "Acme" },
  });
  assertEquals(boot.status, "Accepted", JSON.stringify(boot));
  for (const evseId of [1, 2]) {
    await rawCall(socket, "StatusNotification", {
      timestamp: new Date().toISOString(),
      connectorStatus: "Available",
      evseId,
      connectorId: 1,
    });
  }
  return socket;
}

Deno.test({
  name:
    "a 2.0.1 ReserveNow asked on node B for a station on node A: made in time, held unconfirmed when A dies",
  ignore: await ignoreWithoutPostgres("cluster 2.0.1 reservations"),
  fn: async () => {
    const db = await migratedDatabase("reserve44_rsv201");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      CALL_TIMEOUT_MS: "5000",
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    let aAlive = true;
    let socket: RawSocket | null = null;
    try {
      socket = await booted201(a.wsUrl);
      const viaB = await adminApi(b.url);
      for (const idTag of ["OWNER", "STRANGER"]) {
        assertEquals((await viaB("/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      await eventually(
        async () => (await viaB(`/charge-points/${CP}`)).body.online === true,
        10_000,
        `node B sees ${CP} online on node A`,
      );
      const expiryDate = new Date(Date.now() + 3_600_000).toISOString();
      const reserve = (evseId: number) =>
        viaB("/reservations", {
          method: "POST",
          body: { chargePointId: CP, connectorId: evseId, idTag: "OWNER", expiryDate },
        });

      // In time: 2.0.1's shape, made and confirmed, guarded on node A.
      const made = reserve(1);
      const call = await socket.next(10_000) as unknown[];
      assertEquals(call[2], "ReserveNow");
      const sent = call[3] as Json;
      assertEquals([sent.evseId, sent.idToken.idToken, typeof sent.id], [1, "OWNER", "number"]);
      socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
      const first = await made;
      assertEquals(
        [first.status, first.body.reservationId, first.body.unconfirmed],
        [201, sent.id, false],
        JSON.stringify(first.body),
      );
      const start = await viaB(`/charge-points/${CP}/RequestStartTransaction`, {
        method: "POST",
        body: { idToken: { idToken: "STRANGER", type: "Central" }, remoteStartId: 1, evseId: 1 },
      });
      assertEquals([start.status, start.body.error], [409, "command_refused"], JSON.stringify(start.body));

      // Node A dies with the station's CALL unanswered.
      const lostAsked = reserve(2);
      const lostCall = await socket.next(10_000) as unknown[];
      assertEquals(lostCall[2], "ReserveNow");
      await a.kill("SIGKILL");
      aAlive = false;
      const lost = await lostAsked;
      assertEquals(
        [lost.status, lost.body.error, lost.body.details?.held],
        [504, "station_timeout", true],
        JSON.stringify(lost.body),
      );
      const id = lost.body.details.reservationId as number;
      assertEquals(id, (lostCall[3] as Json).id);
      const held = (await viaB(`/reservations/${id}`)).body;
      assertEquals([held.state, held.unconfirmed], ["active", true], JSON.stringify(held));
      await socket.close();

      // Back on node B: the ledger's cancel reaches it there.
      socket = await booted201(b.wsUrl);
      const cancelled = viaB(`/reservations/${id}/cancel`, { method: "POST" });
      const cancelCall = await socket.next(10_000) as unknown[];
      assertEquals([cancelCall[2], (cancelCall[3] as Json).reservationId], ["CancelReservation", id]);
      socket.send(JSON.stringify([3, cancelCall[1], { status: "Accepted" }]));
      const ended = await cancelled;
      assertEquals([ended.status, ended.body.state], [200, "cancelled"], JSON.stringify(ended.body));
    } finally {
      await socket?.close().catch(() => {});
      await b.kill("SIGTERM");
      if (aAlive) await a.kill("SIGTERM");
      await db.drop();
    }
  },
});
