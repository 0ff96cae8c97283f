/**
 * The ledger's 2.0.1 ReserveNow (`reserveNow201`) across a cluster, as 1.6's is tested: two server processes on
 * one PostgreSQL database, a raw `ws` 2.0.1 station on node A, the operator on node B. Answered in time, the
 * reservation is made and confirmed, and node A's actor guards its EVSE (a remote start for another idToken
 * asked on node B is refused). Node A SIGKILLed while the station holds the CALL unanswered: node B hears its
 * node lost (504), the ledger holds the reservation, unconfirmed, and once the station is back on node B a
 * cancel reaches it there and ends it.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { reserveVia, seenOnline, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { bootedRaw201Station, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CP = "CP-RSV201CLUSTER";

function booted201(wsUrl: string): Promise<RawSocket> {
  return bootedRaw201Station(`${wsUrl}/${CP}`, [1, 2]);
}

Deno.test({
  name:
    "a 2.0.1 ReserveNow asked on node B for a station on node A: made in time, held unconfirmed when A dies",
  ignore: await ignoreWithoutPostgres("cluster 2.0.1 reservations"),
  fn: () =>
    withReservationNodes("reserve44_rsv201", {
      env: { CALL_TIMEOUT_MS: "5000" },
      idTags: ["OWNER", "STRANGER"],
    }, async ({ a, b, viaB }) => {
      let socket: RawSocket | null = null;
      try {
        socket = await booted201(a.wsUrl);
        await seenOnline(viaB, CP);
        const reserve = (evseId: number) => reserveVia(viaB, CP, evseId, "OWNER");

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
      }
    }),
});
