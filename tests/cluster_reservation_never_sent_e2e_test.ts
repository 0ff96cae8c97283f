/**
 * A ledger ReserveNow asked on node B of a cluster for a station on node A, queued on A behind commands the
 * station never answers: B gives up (2 × CALL_TIMEOUT_MS + 5 s) and holds it, unconfirmed, having read A's row
 * still `sending`. Then the station's connection to A closes before A sent it: A settles its row never sent
 * (`not_connected`), with no answer to tell the ledger. The reservation sweep reads that row and ends the hold,
 * which else kept connector 1 from any other reservation until its expiry, for a reservation no station ever
 * saw. Two server processes on one PostgreSQL database, a raw `ws` 1.6 station.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { reserveVia, stationBehindUnanswered, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { eventually } from "./helpers/server.ts";
import type { RawSocket } from "./helpers/station.ts";

const TIMEOUT_MS = 1000;
/** Unanswered commands ahead of the ReserveNow: their timeouts outlast node B's bound (2 × 1 s + 5 s). */
const AHEAD = 9;
const CP = "CP-NEVERSENT";

Deno.test({
  name: "a given-up ReserveNow its station's node never sent is no longer held once the sweep reads its row",
  ignore: await ignoreWithoutPostgres("cluster never-sent reservation"),
  fn: () =>
    withReservationNodes("rsv45_neversent", {
      env: { CALL_TIMEOUT_MS: String(TIMEOUT_MS), RESERVATION_SWEEP_S: "0.5" },
      idTags: ["OWNER"],
    }, async (nodes) => {
      const { viaA, viaB } = nodes;
      // An operator's commands the station never answers, queued on node A ahead of the reservation.
      const queued = await stationBehindUnanswered(nodes, CP, AHEAD);
      let socket: RawSocket | null = queued.socket;
      try {
        const asked = await reserveVia(viaB, CP, 1, "OWNER");
        assertEquals([asked.status, asked.body.details?.held], [504, true], JSON.stringify(asked.body));
        const id = asked.body.details.reservationId as number;
        const held = (await viaB(`/reservations/${id}`)).body;
        assertEquals([held.state, held.unconfirmed], ["active", true], JSON.stringify(held));

        // Gone from node A before A sent it: its row says so, and no station holds it.
        await socket.close();
        socket = null;
        await eventually(
          async () => {
            const log = await viaA(`/charge-points/${CP}/commands?limit=50`);
            return (log.body.items ?? log.body).some((r: { action: string; outcome: string }) =>
              r.action === "ReserveNow" && r.outcome === "not_connected"
            );
          },
          10_000,
          "node A settles the ReserveNow never sent",
        );
        await eventually(
          async () => (await viaB(`/reservations/${id}`)).body.state === "cancelled",
          5000,
          `reservation ${id}, never sent, is not held`,
        );
        const ended = (await viaB(`/reservations/${id}`)).body;
        assertStringIncludes(ended.endReason, "never sent (not_connected)");
        assertEquals(ended.unconfirmed, true, "never confirmed");
      } finally {
        await socket?.close().catch(() => {});
        await Promise.allSettled(queued.pending);
      }
    }),
});
