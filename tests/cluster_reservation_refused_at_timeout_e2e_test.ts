/**
 * A ledger ReserveNow asked on node B of a cluster for a station on node A, refused by the station just after
 * CALL_TIMEOUT_MS: node A tells the ledger of the late refusal as it arrives, while node B writes the ledger's
 * hold only when the timeout's reply reaches it, so the refusal often comes first and found nothing to end
 * (the hold then stayed until its expiry). Whichever comes first, the reservation ends cancelled. Two server
 * processes on one PostgreSQL database, a raw `ws` 1.6 station answering every 3 ms from the timeout on.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { reserveVia, seenOnline, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation } from "./helpers/station.ts";

const TIMEOUT_MS = 300;
const CP = "CP-CLUSTERREFUSED";

Deno.test({
  name: "a ReserveNow refused just after its timeout on another node leaves nothing held",
  ignore: await ignoreWithoutPostgres("cluster late reservation refusal"),
  fn: () =>
    withReservationNodes("late4_rsv_cluster", {
      env: { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
      idTags: ["OWNER"],
    }, async ({ a, viaB }) => {
      const socket = await bootedRawStation(`${a.wsUrl}/${CP}`);
      try {
        await seenOnline(viaB, CP);
        let late = 0;
        for (let afterMs = 0; afterMs <= 60; afterMs += 3) {
          const asked = reserveVia(viaB, CP, 1, "OWNER");
          const call = await socket.next(5000) as unknown[];
          assertEquals(call[2], "ReserveNow");
          setTimeout(
            () => socket.send(JSON.stringify([3, call[1], { status: "Occupied" }])),
            TIMEOUT_MS + afterMs,
          );
          const answer = await asked;
          // Answered within the timeout's sweep: refused in time, nothing made.
          if (answer.status === 409) continue;
          assertEquals(answer.status, 504, JSON.stringify(answer.body));
          late++;
          const id = answer.body.details.reservationId as number;
          await eventually(
            async () => (await viaB(`/reservations/${id}`)).body.state === "cancelled",
            3000,
            `reservation ${id} (refused ${afterMs} ms after the timeout) not held`,
          );
        }
        assertEquals(late > 5, true, `only ${late} answered after the timeout`);
      } finally {
        await socket.close().catch(() => {});
      }
    }),
});
