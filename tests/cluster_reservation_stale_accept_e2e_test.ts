/**
 * A stale actor's accepted ReserveNow: the station answers Accepted on its connection to node A while A is
 * frozen (SIGSTOP), then connects again on node B, which writes the station's record. When A thaws, the
 * answer reaches an actor whose connection was replaced: its snapshot write is refused (`replaced`, migration
 * 048) and its socket closed 4000, so it neither leaves its reservation in the record nor drops what B's
 * connection wrote there. The station did take the reservation: node B must hold it all the same (another
 * driver's remote start on its connector refused 409 naming it, through either node), and the ledger keeps it
 * active. Two server processes on one PostgreSQL database; raw `ws` 1.6 stations.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { openPostgresPool } from "../postgres_pool.ts";
import { type NodeApi, reserveVia, seenOnline, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

const CP = "CP-STALEACC";

/** The scenario above, then `then` with both nodes' APIs and the stale connection's reservation id. */
async function staleAccept(
  database: string,
  then: (t: { viaA: NodeApi; viaB: NodeApi; reservationId: number }) => Promise<void>,
): Promise<void> {
  await withReservationNodes(
    database,
    { idTags: ["OWNER", "OTHER", "SECOND"] },
    async ({ a, b, viaA, viaB, databaseUrl }) => {
      const sockets: RawSocket[] = [];
      try {
        const old = await bootedRawStation(`${a.wsUrl}/${CP}`, [1, 2]);
        sockets.push(old);
        const asked = reserveVia(viaA, CP, 1, "OWNER");
        const call = await old.next(10_000) as unknown[];
        assertEquals(call[2], "ReserveNow");
        const reservationId = (call[3] as { reservationId: number }).reservationId;
        let station: RawSocket;
        let secondId = 0;
        a.child.kill("SIGSTOP");
        try {
          // The answer waits in frozen A's socket; the station connects again on B meanwhile.
          old.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
          station = await bootedRawStation(`${b.wsUrl}/${CP}`, [1, 2]);
          sockets.push(station);
          await seenOnline(viaB, CP);
          // B's connection writes a reservation of its own into the record: the stale write must not drop it.
          const second = reserveVia(viaB, CP, 2, "SECOND");
          const secondCall = await station.next(10_000) as unknown[];
          assertEquals(secondCall[2], "ReserveNow");
          station.send(JSON.stringify([3, secondCall[1], { status: "Accepted" }]));
          const made = await second;
          assertEquals(made.status, 201, JSON.stringify(made.body));
          secondId = made.body.reservationId;
        } finally {
          a.child.kill("SIGCONT");
        }
        const answer = await asked;
        // Answered Accepted on the stale connection (201), or lost with it (504, held): either way, held.
        assertEquals([201, 504].includes(answer.status), true, JSON.stringify(answer.body));
        assertEquals((await old.closed).code, 4000);
        await new Promise((r) => setTimeout(r, 500));
        assertEquals((await viaB(`/reservations/${reservationId}`)).body.state, "active");

        // A's write was refused (`replaced`): it neither dropped B's reservation from the record nor wrote its
        // own there; B's connection, handed the reservation the station took, writes it beside its own.
        const both = [reservationId, secondId].sort((x, y) => x - y);
        const sql = openPostgresPool(databaseUrl, { max: 1, onnotice: () => {} });
        try {
          await eventually(
            async () => {
              const [row] = await sql<{ reservations: { reservationId: number }[] | null }[]>`
            SELECT reservations FROM charge_points WHERE id = ${CP}`;
              const ids = (row?.reservations ?? []).map((r) => r.reservationId).sort((x, y) => x - y);
              return JSON.stringify(ids) === JSON.stringify(both);
            },
            10_000,
            "the record holding B's reservation and the one the station accepted on A",
          );
        } finally {
          await sql.end();
        }
        const live = (await viaB(`/charge-points/${CP}`)).body.reservations as { reservationId: number }[];
        assertEquals(live.map((r) => r.reservationId).sort((x, y) => x - y), both);

        await then({ viaA, viaB, reservationId });
      } finally {
        for (const socket of sockets) await socket.close().catch(() => {});
      }
    },
  );
}

const withoutPostgres = await ignoreWithoutPostgres("cluster stale accepted reservation");

Deno.test({
  name:
    "a stale node's accepted ReserveNow is refused as replaced and handed to the newer connection, whose own stays",
  ignore: withoutPostgres,
  fn: () => staleAccept("rsv46_stale_accept", () => Promise.resolve()),
});

/**
 * When A's actor takes the Accepted (201, the ledger's record confirmed), B's snapshot must learn of it: the
 * guards read only the ledger's unconfirmed holds, so B sent another driver's remote start to the station.
 */
Deno.test({
  name: "a stale node's accepted ReserveNow stays held on the station's new node",
  ignore: withoutPostgres,
  fn: () =>
    staleAccept("rsv46_stale_held", async ({ viaA, viaB, reservationId }) => {
      // Node B holds the station: another driver's remote start on connector 1 is refused, through either node.
      for (const via of [viaB, viaA]) {
        const foreign = await via(`/charge-points/${CP}/RemoteStartTransaction`, {
          method: "POST",
          body: { connectorId: 1, idTag: "OTHER" },
        });
        assertEquals(
          [foreign.status, foreign.body.error, foreign.body.details?.reservationId],
          [409, "command_refused", reservationId],
          JSON.stringify(foreign.body),
        );
      }
    }),
});
