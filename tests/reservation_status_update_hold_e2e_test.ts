/**
 * OCPP 2.0.1 H01: a station's ReservationStatusUpdate (Expired, Removed) says it holds the reservation no more,
 * so nothing of ours may keep refusing other drivers' remote starts on its EVSE until the reservation's expiry,
 * whatever order the ReserveNow's answer and the status update arrive in: the update before a timely Accepted
 * (the CALL still in flight), after the timeout and before a late Accepted (the ledger's unconfirmed hold), and
 * after a late Accepted. A raw `ws` 2.0.1 station; the operator's ReserveNow and RequestStartTransaction over
 * HTTP; on KV and on PostgreSQL (the reservation stores differ).
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import {
  callReachesStation,
  lateAcceptStored,
  reservationTestOnBothStores,
  reserveForOwner,
} from "./helpers/reservation_stores.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRaw201Station, rawCall, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TIMEOUT_MS = 300;
const CP = "CP-RSU201";
const withoutPostgres = await ignoreWithoutPostgres("2.0.1 reservation status updates on PostgreSQL");

function booted201(server: ApiTestServer): Promise<RawSocket> {
  return bootedRaw201Station(`${server.wsUrl}/${CP}`);
}

/** The station's ReserveNow CALL: its message id and the reservation's id. */
async function reserveNowCall(socket: RawSocket): Promise<{ messageId: string; id: number }> {
  const call = await socket.next(10_000) as unknown[];
  assertEquals(call[2], "ReserveNow");
  return { messageId: call[1] as string, id: (call[3] as Json).id as number };
}

async function statusUpdate(socket: RawSocket, id: number, status: "Expired" | "Removed"): Promise<void> {
  const reply = await rawCall(socket, "ReservationStatusUpdate", {
    reservationId: id,
    reservationUpdateStatus: status,
  });
  assertEquals(reply[0], 3, JSON.stringify(reply));
}

/** Another driver's RequestStartTransaction on EVSE 1 reaches the station (not refused 409 "reserved"). */
function startReachesStation(server: ApiTestServer, socket: RawSocket, when: string): Promise<void> {
  const start = server.json(`/api/v1/charge-points/${CP}/RequestStartTransaction`, {
    method: "POST",
    as: "operator",
    body: { idToken: { idToken: "STRANGER", type: "Central" }, remoteStartId: 1, evseId: 1 },
  });
  return callReachesStation(socket, start, "RequestStartTransaction", when);
}

/** The ledger's reservation `id` ends `state`, for the station's word. */
async function ledgerEnded(server: ApiTestServer, id: number, state: string): Promise<void> {
  const ended = await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
      return body.state !== "active" ? body : null;
    },
    5000,
    `reservation ${id} ended in the ledger`,
  );
  assertEquals([ended.state, ended.endReason], [
    state,
    `the station reported it ${state === "expired" ? "Expired" : "Removed"} (ReservationStatusUpdate)`,
  ]);
}

const onBothStores = (
  name: string,
  database: string,
  body: (server: ApiTestServer, socket: RawSocket) => Promise<void>,
) =>
  reservationTestOnBothStores(
    { withoutPostgres, callTimeoutMs: TIMEOUT_MS, station: booted201 },
    name,
    database,
    body,
  );

onBothStores(
  "a 2.0.1 reservation the station removed before its timely Accepted holds nothing",
  "rsv46_rsu_timely",
  async (server, socket) => {
    const asked = reserveForOwner(server, CP);
    const call = await reserveNowCall(socket);
    // The station took it and removed it at once, and says so before its answer.
    await statusUpdate(socket, call.id, "Removed");
    socket.send(JSON.stringify([3, call.messageId, { status: "Accepted" }]));
    const made = await asked;
    assertEquals(made.status, 201, JSON.stringify(made.body));
    await startReachesStation(server, socket, "removed before its Accepted");
    // Nor does the ledger keep it (it would refuse the next reservation on that EVSE until the expiry).
    await ledgerEnded(server, call.id, "cancelled");
  },
);

onBothStores(
  "a 2.0.1 reservation the station removed after its ReserveNow timed out holds nothing, a late Accepted neither",
  "rsv46_rsu_late",
  async (server, socket) => {
    const asked = reserveForOwner(server, CP);
    const call = await reserveNowCall(socket);
    const timedOut = await asked;
    assertEquals([timedOut.status, timedOut.body.details?.held], [504, true], JSON.stringify(timedOut.body));
    await statusUpdate(socket, call.id, "Removed");
    await startReachesStation(server, socket, "removed after the timeout");
    // The ledger ends it too: its unconfirmed hold held every node of the station until its expiry.
    await ledgerEnded(server, call.id, "cancelled");
    socket.send(JSON.stringify([3, call.messageId, { status: "Accepted" }]));
    await lateAcceptStored(server, CP, call.id);
    await startReachesStation(server, socket, "removed, then Accepted late");
  },
);

onBothStores(
  "a 2.0.1 reservation accepted late, then expired on the station, holds nothing",
  "rsv46_rsu_after",
  async (server, socket) => {
    const asked = reserveForOwner(server, CP);
    const call = await reserveNowCall(socket);
    assertEquals((await asked).status, 504);
    socket.send(JSON.stringify([3, call.messageId, { status: "Accepted" }]));
    await lateAcceptStored(server, CP, call.id);
    await statusUpdate(socket, call.id, "Expired");
    await startReachesStation(server, socket, "accepted late, then expired");
    await ledgerEnded(server, call.id, "expired");
  },
);
