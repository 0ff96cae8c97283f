/**
 * A ReserveNow asked on node B for a station on node A, which the station ends or uses before its timely
 * Accepted comes back to B: a 2.0.1 station's ReservationStatusUpdate Removed, a 1.6 station's StartTransaction
 * naming it. Node A's ledger follow-up found no record then (B records the reservation once it has the
 * answer), so B must hear its station's word: the ledger ends it (cancelled, or used by that transaction)
 * instead of keeping it active, refusing the next reservation there, until its expiry. Two server processes
 * on one PostgreSQL database, raw `ws` stations.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { type NodeApi, reserveVia, seenOnline, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRaw201Station, bootedRawStation, rawCall, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ignore = await ignoreWithoutPostgres("cluster reservations ended by their station");

/** Node B's ledger record of reservation `id` once it is no longer active. */
function ended(viaB: NodeApi, id: number): Promise<Json> {
  return eventually(
    async () => {
      const { body } = await viaB(`/reservations/${id}`);
      return body.state !== "active" ? body : null;
    },
    5000,
    `reservation ${id} ended in the ledger`,
  );
}

/** Asks B to reserve connector 1 of `cp` for OWNER: the station's ReserveNow CALL and the pending answer. */
async function reserveThroughB(viaB: NodeApi, socket: RawSocket, cp: string) {
  await seenOnline(viaB, cp);
  const asked = reserveVia(viaB, cp, 1, "OWNER");
  const call = await socket.next(10_000) as unknown[];
  assertEquals(call[2], "ReserveNow");
  return { asked, messageId: call[1] as string, request: call[3] as Json };
}

Deno.test({
  name: "a 2.0.1 reservation asked through node B that its station removed before its Accepted is ended",
  ignore,
  fn: () =>
    withReservationNodes("rsv66_word_201", { idTags: ["OWNER"] }, async ({ a, viaB }) => {
      const CP = "CP-RSVWORD201";
      const socket = await bootedRaw201Station(`${a.wsUrl}/${CP}`);
      try {
        const { asked, messageId, request } = await reserveThroughB(viaB, socket, CP);
        const reply = await rawCall(socket, "ReservationStatusUpdate", {
          reservationId: request.id,
          reservationUpdateStatus: "Removed",
        });
        assertEquals(reply[0], 3, JSON.stringify(reply));
        socket.send(JSON.stringify([3, messageId, { status: "Accepted" }]));
        assertEquals((await asked).status, 201);
        const r = await ended(viaB, request.id);
        assertEquals([r.state, r.endReason], [
          "cancelled",
          "the station reported it Removed (ReservationStatusUpdate)",
        ]);
      } finally {
        await socket.close();
      }
    }),
});

Deno.test({
  name:
    "a 1.6 reservation asked through node B that its holder's start used before its Accepted is ended used",
  ignore,
  fn: () =>
    withReservationNodes("rsv66_word_16", { idTags: ["OWNER"] }, async ({ a, viaB }) => {
      const CP = "CP-RSVWORD16";
      const socket = await bootedRawStation(`${a.wsUrl}/${CP}`);
      try {
        const { asked, messageId, request } = await reserveThroughB(viaB, socket, CP);
        const started = await rawCall(socket, "StartTransaction", {
          connectorId: 1,
          idTag: "OWNER",
          meterStart: 0,
          timestamp: new Date().toISOString(),
          reservationId: request.reservationId,
        });
        const transactionId = (started[2] as Json).transactionId as number;
        socket.send(JSON.stringify([3, messageId, { status: "Accepted" }]));
        assertEquals((await asked).status, 201);
        const r = await ended(viaB, request.reservationId);
        assertEquals([r.state, r.transactionId], ["used", transactionId], JSON.stringify(r));
      } finally {
        await socket.close();
      }
    }),
});
