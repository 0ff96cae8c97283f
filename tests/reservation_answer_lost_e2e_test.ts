/**
 * A ledger ReserveNow whose answer was lost because the station's connection closed after the CALL went out
 * (AnswerLostError, told as a `timeout` outcome): the station may have taken it, so the ledger holds it, as
 * for a timeout. Only a timeout on a live connection writes the actor's hold into the snapshot, so the
 * snapshot lacking the reservation says nothing about a late refusal here: the ledger must not read it as
 * one. A raw `ws` 1.6 station that closes instead of answering, on KV and PostgreSQL.
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
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status,
        201,
      );
      const socket = await bootedRawStation(`${server.wsUrl}/${CP}`);
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
        assertEquals(held.body.state, "active", JSON.stringify(held.body));
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
