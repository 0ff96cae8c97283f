/**
 * A ledger ReserveNow whose answer was lost because the station's connection closed after the CALL went out
 * (AnswerLostError, told as a `timeout` outcome): the station may have taken it, so the ledger holds it,
 * unconfirmed, as for a timeout, and so does the station's snapshot: once it reconnects (no connection ever
 * answers the old one's CALL), the connector stays reserved for its holder (a remote start for another tag is
 * refused) and the station's reservations list it unconfirmed, until its expiry or a cancel. A raw `ws` 1.6
 * station that closes instead of answering, on KV and PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { bootedRawStation } from "./helpers/station.ts";

const CP = "CP-RSVLOST";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function heldWhenAnswerLost(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      for (const idTag of ["OWNER", "STRANGER"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      let socket = await bootedRawStation(`${server.wsUrl}/${CP}`);
      try {
        const asked = server.json("/api/v1/reservations", {
          method: "POST",
          as: "operator",
          body: { chargePointId: CP, connectorId: 1, idTag: "OWNER", expiryDate: inAnHour() },
        });
        const call = await socket.next(5000) as unknown[];
        assertEquals(call[2], "ReserveNow");
        // The station took the CALL and its connection dropped before its answer left.
        await socket.close();
        const lost = await asked;
        assertEquals(
          [lost.status, lost.body.error, lost.body.details?.held],
          [504, "station_timeout", true],
          JSON.stringify(lost.body),
        );
        const id = lost.body.details.reservationId as number;
        const held = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
        assertEquals([held.body.state, held.body.unconfirmed], ["active", true], JSON.stringify(held.body));

        // Back on a new connection: the snapshot holds it for its holder, unconfirmed.
        socket = await bootedRawStation(`${server.wsUrl}/${CP}`);
        const station = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
        assertEquals(
          (station.body.reservations as { reservationId: number; unconfirmed: boolean }[])
            .map((r) => [r.reservationId, r.unconfirmed]),
          [[id, true]],
          JSON.stringify(station.body.reservations),
        );
        const start = server.json(`/api/v1/charge-points/${CP}/RemoteStartTransaction`, {
          method: "POST",
          as: "operator",
          body: { connectorId: 1, idTag: "STRANGER" },
        });
        const sent = await Promise.race([
          socket.next(3000).then((call) => {
            socket.send(JSON.stringify([3, (call as unknown[])[1], { status: "Rejected" }]));
            return "sent to the station";
          }, () => "nothing sent"),
          start.then((res) => res.status),
        ]);
        assertEquals([sent, (await start).status], [409, 409], "connector 1 is reserved for OWNER");
      } finally {
        await socket.close();
      }
    },
    {},
    {},
    `review41_rsvlost_${kind}`,
  );
}

Deno.test("a ReserveNow whose answer a closed connection lost stays held in the ledger (KV)", () =>
  heldWhenAnswerLost("kv"));

Deno.test({
  name: "a ReserveNow whose answer a closed connection lost stays held in the ledger (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("reservation answers lost on PostgreSQL"),
  fn: () => heldWhenAnswerLost("postgres"),
});
