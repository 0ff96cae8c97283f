/**
 * A ledger ReserveNow to a station on node A times out while the station has connected again on node B: B's
 * connection wrote the station's record first, so A's actor cannot store the hold its timeout writes into the
 * snapshot (the record is no longer its connection's). The ledger must not read the snapshot without the hold
 * as a refusal: the station never answered and may hold the reservation, so it stays held. Two server
 * processes on one PostgreSQL database; node A frozen (SIGSTOP) while the station reconnects on B, so its
 * timeout fires, on SIGCONT, before it hears of the newer connection. Raw `ws` 1.6 stations.
 *
 * Node B, which owns the station from then on, must honour that hold as the ledger does: a remote start of
 * another driver on its connector is refused (asked through either node), the hold's own driver's goes out.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { reserveVia, seenOnline, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";
import { UNHELD_REASON } from "../actors/errors.ts";

const TIMEOUT_MS = 400;
const CP = "CP-UNHELD";

Deno.test({
  name:
    "a ReserveNow whose timeout's hold a newer connection kept out of the snapshot stays held, and its new node honours it",
  ignore: await ignoreWithoutPostgres("cluster unheld reservation timeout"),
  fn: () =>
    withReservationNodes("rsv47_unheld", {
      env: { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
      idTags: ["OWNER", "OTHER"],
    }, async ({ a, b, viaA, viaB }) => {
      const sockets: RawSocket[] = [];
      let station: RawSocket | undefined;
      try {
        const old = await bootedRawStation(`${a.wsUrl}/${CP}`);
        sockets.push(old);
        const asked = reserveVia(viaA, CP, 1, "OWNER");
        const call = await old.next(5000) as unknown[];
        assertEquals(call[2], "ReserveNow");
        // The station never answers; node A stalls, and the station connects again on node B meanwhile.
        a.child.kill("SIGSTOP");
        try {
          station = await bootedRawStation(`${b.wsUrl}/${CP}`);
          sockets.push(station);
          await seenOnline(viaB, CP);
          await new Promise((r) => setTimeout(r, TIMEOUT_MS));
        } finally {
          a.child.kill("SIGCONT");
        }
        const answer = await asked;
        assertEquals(answer.status, 504, JSON.stringify(answer.body));
        const { held, reservationId, response } = answer.body.details;
        assertEquals(held, true, JSON.stringify(answer.body));
        assertEquals(response?.reason, UNHELD_REASON, "the hold was kept out by the newer connection");
        await new Promise((r) => setTimeout(r, 500));
        assertEquals((await viaB(`/reservations/${reservationId}`)).body.state, "active");

        // Node B holds the station now: another driver's remote start there is refused, whichever node asks.
        const remote = (via: typeof viaA, idTag: string) =>
          via(`/charge-points/${CP}/RemoteStartTransaction`, {
            method: "POST",
            body: { connectorId: 1, idTag },
          });
        for (const via of [viaB, viaA]) {
          const foreign = await remote(via, "OTHER");
          assertEquals(
            [foreign.status, foreign.body.error, foreign.body.details?.reservationId],
            [409, "command_refused", reservationId],
            JSON.stringify(foreign.body),
          );
        }
        // The hold's own driver's goes to the station, the first remote start it gets (any other CALL of node B's
        // since the boot is let time out).
        const own = remote(viaB, "OWNER");
        let start: unknown[];
        do start = await station!.next(10_000) as unknown[]; while (start[2] !== "RemoteStartTransaction");
        assertEquals([start[0], (start[3] as { idTag: string }).idTag], [2, "OWNER"]);
        station!.send(JSON.stringify([3, start[1], { status: "Accepted" }]));
        assertEquals((await own).status, 200);
      } finally {
        for (const socket of sockets) await socket.close().catch(() => {});
      }
    }),
});
