/**
 * A ledger ReserveNow asked on node B of a cluster for a station on node A, queued on A behind commands the
 * station never answers: B gives up (2 × CALL_TIMEOUT_MS + 5 s) before A has even sent it. That give-up is no
 * station timeout on a live connection (A wrote no hold, it had not sent it), so the ledger keeps the
 * reservation held, `unconfirmed`; the station's answer, in time for A, then settles it: Accepted keeps it
 * and confirms it, a refusal ends it. Two server processes on one PostgreSQL database, a raw `ws` 1.6 station.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { reserveVia, stationBehindUnanswered, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { eventually } from "./helpers/server.ts";

const TIMEOUT_MS = 1000;
/** Unanswered commands ahead of the ReserveNow: their timeouts outlast node B's bound (2 × 1 s + 5 s). */
const AHEAD = 9;

for (const answer of ["Accepted", "Occupied"] as const) {
  const CP = `CP-GIVENUP-${answer.toUpperCase()}`;
  Deno.test({
    name: `a ReserveNow its asking node gave up on while queued stays held, then answered ${answer} ` +
      (answer === "Accepted" ? "stays active" : "ends cancelled"),
    ignore: await ignoreWithoutPostgres("cluster given-up reservation"),
    fn: () =>
      withReservationNodes(`ledger42_givenup_${answer.toLowerCase()}`, {
        env: { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
        idTags: ["OWNER"],
      }, async (nodes) => {
        const { viaA, viaB } = nodes;
        // An operator's commands the station never answers, queued on node A ahead of the reservation.
        const queued = await stationBehindUnanswered(nodes, CP, AHEAD);
        const socket = queued.socket;
        try {
          const started = Date.now();
          const asked = await reserveVia(viaB, CP, 1, "OWNER");
          assertEquals(asked.status, 504, JSON.stringify(asked.body));
          const id = asked.body.details.reservationId as number;
          assertEquals(asked.body.details.held, true, JSON.stringify(asked.body));
          const held = (await viaB(`/reservations/${id}`)).body;
          assertEquals([held.state, held.unconfirmed], ["active", true], JSON.stringify(held));

          // Node A sends it only once the commands ahead have timed out.
          let call: unknown[];
          do call = await socket.next(AHEAD * TIMEOUT_MS + 5000) as unknown[]; while (
            call[2] !== "ReserveNow"
          );
          assertEquals(Date.now() - started > 2 * TIMEOUT_MS + 5000, true, "sent before node B gave up");
          assertEquals((call[3] as { reservationId: number }).reservationId, id);
          assertEquals((await viaB(`/reservations/${id}`)).body.state, "active");
          socket.send(JSON.stringify([3, call[1], { status: answer }]));

          if (answer === "Accepted") {
            // Its answer is told to the ledger; give it the time a refusal takes to end it.
            await eventually(
              async () =>
                (await viaA(`/charge-points/${CP}`)).body.reservations?.some((r: { reservationId: number }) =>
                  r.reservationId === id
                ) === true,
              5000,
              "the station's snapshot holds the accepted reservation",
            );
            await eventually(
              async () => (await viaB(`/reservations/${id}`)).body.unconfirmed === false,
              5000,
              "the ledger confirms it",
            );
            await new Promise((r) => setTimeout(r, 1000));
            assertEquals((await viaB(`/reservations/${id}`)).body.state, "active");
          } else {
            await eventually(
              async () => (await viaB(`/reservations/${id}`)).body.state === "cancelled",
              5000,
              `reservation ${id} refused ${answer} is not held`,
            );
          }
        } finally {
          await socket.close().catch(() => {});
          await Promise.allSettled(queued.pending);
        }
      }),
  });
}
