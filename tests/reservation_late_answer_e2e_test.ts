/**
 * The ledger's ReserveNow and CancelReservation answered after CALL_TIMEOUT_MS, by a raw `ws` 1.6 station, on KV
 * and on PostgreSQL (the reservation stores differ). A ReserveNow the station may have taken is held from its
 * timeout (the operator hears 504 with the reservation id): a second reservation there and a remote start for
 * another tag are refused, as the station would refuse them; a late Accepted keeps it, a late Rejected or
 * CALLERROR leaves nothing held. A CancelReservation answered late ends the reservation, as in time. One
 * answered in time, Accepted or Rejected, ends what the timed-out ReserveNow held (the actor's guard too).
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { callReachesStation, reservationTestOnBothStores } from "./helpers/reservation_stores.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, rawCall, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TIMEOUT_MS = 300;
const withoutPostgres = await ignoreWithoutPostgres("late reservation answers on PostgreSQL");
const CP = "CP-LATERSV";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function station(server: ApiTestServer): Promise<RawSocket> {
  return bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2]);
}

function reserve(server: ApiTestServer, idTag: string, connectorId = 1) {
  return server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: { chargePointId: CP, connectorId, idTag, expiryDate: inAnHour() },
  });
}

/** Asks `asked`, takes the station's CALL and lets it time out: the CALL's message id and the 504's body. */
async function timedOut(socket: RawSocket, asked: Promise<{ status: number; body: Json }>, action: string) {
  const call = await socket.next(10_000) as unknown[];
  assertEquals(call[2], action);
  const answer = await asked;
  assertEquals([answer.status, answer.body.error], [504, "station_timeout"], JSON.stringify(answer.body));
  return { messageId: call[1] as string, body: answer.body };
}

async function reservation(server: ApiTestServer, id: number): Promise<Json> {
  const res = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function remoteStart(server: ApiTestServer, idTag: string) {
  return server.json(`/api/v1/charge-points/${CP}/RemoteStartTransaction`, {
    method: "POST",
    as: "operator",
    body: { connectorId: 1, idTag },
  });
}

const onBothStores = (
  name: string,
  database: string,
  body: (server: ApiTestServer, socket: RawSocket) => Promise<void>,
) =>
  reservationTestOnBothStores({ withoutPostgres, callTimeoutMs: TIMEOUT_MS, station }, name, database, body);

/** A remote start for STRANGER on connector 1 reaches the station (not refused 409 "reserved"): answered. */
function remoteStartSent(server: ApiTestServer, socket: RawSocket, when: string): Promise<void> {
  return callReachesStation(socket, remoteStart(server, "STRANGER"), "RemoteStartTransaction", when);
}

onBothStores(
  "a ReserveNow or CancelReservation answered late settles the ledger as in time",
  "late3_rsv",
  async (server, socket) => {
    // Unanswered: held from the timeout, before any answer.
    const first = await timedOut(socket, reserve(server, "OWNER"), "ReserveNow");
    const id = first.body.details.reservationId as number;
    assertEquals(first.body.details.held, true);
    assertEquals((await reservation(server, id)).state, "active", "held at its timeout");
    const second = await reserve(server, "STRANGER");
    assertEquals([second.status, second.body.error], [409, "conflict"], JSON.stringify(second.body));
    const start = await remoteStart(server, "STRANGER");
    assertEquals(start.status, 409, JSON.stringify(start.body));
    assertStringIncludes(JSON.stringify(start.body), "reserved");

    // Accepted late: still held, by the ledger and the station's snapshot.
    socket.send(JSON.stringify([3, first.messageId, { status: "Accepted" }]));
    await eventually(
      async () => {
        const rows = (await server.json(`/api/v1/charge-points/${CP}/commands`)).body.items as Json[];
        return rows.some((r) => r.action === "ReserveNow" && r.lateAnswer?.response?.status === "Accepted");
      },
      5000,
      "the late Accepted on its row",
    );
    assertEquals((await reservation(server, id)).state, "active", "kept after the late Accepted");
    assertEquals((await remoteStart(server, "STRANGER")).status, 409, "still reserved for OWNER");

    // Cancelled, answered late: ended as in time.
    const cancel = await timedOut(
      socket,
      server.json(`/api/v1/reservations/${id}/cancel`, { method: "POST", as: "operator" }),
      "CancelReservation",
    );
    assertEquals((await reservation(server, id)).state, "active", "the cancel's answer unknown");
    socket.send(JSON.stringify([3, cancel.messageId, { status: "Accepted" }]));
    await eventually(
      async () => (await reservation(server, id)).state === "cancelled",
      5000,
      "cancelled late",
    );
    assertStringIncludes((await reservation(server, id)).endReason, "after its timeout");

    // Rejected late, and a CALLERROR late: nothing held, the connector is free for another reservation.
    for (const late of [[3, { status: "Rejected" }], [4, "InternalError", "busy", {}]] as const) {
      const again = await timedOut(socket, reserve(server, "OWNER"), "ReserveNow");
      const heldId = again.body.details.reservationId as number;
      assertEquals((await reservation(server, heldId)).state, "active");
      socket.send(JSON.stringify([late[0], again.messageId, ...late.slice(1)]));
      await eventually(
        async () => (await reservation(server, heldId)).state === "cancelled",
        5000,
        `nothing held after a late ${JSON.stringify(late)}`,
      );
    }
    const other = reserve(server, "STRANGER");
    const call = await socket.next(5000) as unknown[];
    assertEquals(call[2], "ReserveNow");
    socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    const made = await other;
    assertEquals([made.status, made.body.state], [201, "active"], JSON.stringify(made.body));
  },
);

/**
 * A ReserveNow that timed out, never answered, then cancelled by the operator: the station answers the
 * CancelReservation in time (Rejected: it never got the reservation; Accepted: it had it). The ledger ends it,
 * and so must the actor's guard, which held the timed-out ReserveNow: a remote start or a reservation for
 * another tag on that connector is sent (it was refused 409 "reserved" until the reservation's expiry).
 */
onBothStores(
  "a cancel answered in time frees what a timed-out ReserveNow held",
  "late3_rsvc",
  async (server, socket) => {
    for (const status of ["Rejected", "Accepted"]) {
      const held = await timedOut(socket, reserve(server, "OWNER"), "ReserveNow");
      const id = held.body.details.reservationId as number;
      const cancelled = server.json(`/api/v1/reservations/${id}/cancel`, {
        method: "POST",
        as: "operator",
      });
      const call = await socket.next(5000) as unknown[];
      assertEquals(call[2], "CancelReservation");
      socket.send(JSON.stringify([3, call[1], { status }]));
      const answer = await cancelled;
      assertEquals([answer.status, answer.body.state], [200, "cancelled"], JSON.stringify(answer.body));

      await remoteStartSent(server, socket, `after a cancel answered ${status}`);
    }
  },
);

/**
 * A ReserveNow that timed out, never answered, which the station took all the same: its holder starts a
 * transaction naming the reservation (used: the ledger and the snapshot drop it). The actor's guard, which held
 * the timed-out ReserveNow, lets it go too: after the session a remote start for another tag on that connector
 * is sent (it was refused 409 "reserved" until the reservation's expiry).
 */
onBothStores(
  "a timed-out ReserveNow its holder used holds nothing after the session",
  "late3_rsvu",
  async (server, socket) => {
    const held = await timedOut(socket, reserve(server, "OWNER"), "ReserveNow");
    const id = held.body.details.reservationId as number;
    const started = await rawCall(socket, "StartTransaction", {
      connectorId: 1,
      idTag: "OWNER",
      meterStart: 0,
      timestamp: new Date().toISOString(),
      reservationId: id,
    });
    const transactionId = (started[2] as Json).transactionId as number;
    await eventually(async () => (await reservation(server, id)).state === "used", 5000, "used");
    await rawCall(socket, "StopTransaction", {
      transactionId,
      meterStop: 10,
      timestamp: new Date().toISOString(),
    });
    await remoteStartSent(server, socket, "after the reservation was used");
  },
);
