/**
 * The reservation ledger (GET /api/v1/reservations, the operator's history) says which reservations are held
 * without the station's word, as the station's snapshot does: a ReserveNow that timed out is listed
 * `unconfirmed` until the station answers Accepted, however late; one answered Accepted in time never is; one
 * whose answer a closed connection lost is. A raw `ws` 1.6 station, on KV and PostgreSQL (migration 051).
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TIMEOUT_MS = 300;
const CP = "CP-RSVUNCONF";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function reserve(server: ApiTestServer, connectorId: number) {
  return server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: { chargePointId: CP, connectorId, idTag: "OWNER", expiryDate: inAnHour() },
  });
}

/** The ledger's list for the station: reservation id -> unconfirmed. */
async function listed(server: ApiTestServer): Promise<Record<number, boolean>> {
  const res = await server.json(`/api/v1/reservations?chargePointId=${CP}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return Object.fromEntries((res.body.items as Json[]).map((r) => [r.reservationId, r.unconfirmed]));
}

async function unconfirmedListed(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status,
        201,
      );
      let socket = await bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2, 3]);
      try {
        // Timed out: held, unconfirmed.
        const asked = reserve(server, 1);
        const call = await socket.next(5000) as unknown[];
        assertEquals(call[2], "ReserveNow");
        const timedOut = await asked;
        assertEquals(
          [timedOut.status, timedOut.body.details?.held],
          [504, true],
          JSON.stringify(timedOut.body),
        );
        const heldId = timedOut.body.details.reservationId as number;

        // Answered Accepted in time: confirmed.
        const made = reserve(server, 2);
        const second = await socket.next(5000) as unknown[];
        socket.send(JSON.stringify([3, second[1], { status: "Accepted" }]));
        const accepted = await made;
        assertEquals(
          [accepted.status, accepted.body.unconfirmed],
          [201, false],
          JSON.stringify(accepted.body),
        );
        assertEquals(await listed(server), { [heldId]: true, [accepted.body.reservationId]: false });
        const one = await server.json(`/api/v1/reservations/${heldId}`, { as: "viewer" });
        assertEquals([one.body.state, one.body.unconfirmed], ["active", true], JSON.stringify(one.body));

        // Its late Accepted confirms it in the ledger.
        socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
        await eventually(
          async () => (await listed(server))[heldId] === false,
          5000,
          "the late Accepted confirms the held reservation",
        );

        // An answer a closed connection lost: held, unconfirmed.
        const lostAsked = reserve(server, 3);
        assertEquals((await socket.next(5000) as unknown[])[2], "ReserveNow");
        await socket.close();
        const lost = await lostAsked;
        assertEquals([lost.status, lost.body.details?.held], [504, true], JSON.stringify(lost.body));
        assertEquals((await listed(server))[lost.body.details.reservationId], true);
        socket = await bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2, 3]);
      } finally {
        await socket.close();
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
    {},
    `reserve44_unconf_${kind}`,
  );
}

Deno.test("the reservation ledger lists a ReserveNow held without the station's word unconfirmed (KV)", () =>
  unconfirmedListed("kv"));

Deno.test({
  name: "the reservation ledger lists a ReserveNow held without the station's word unconfirmed (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("unconfirmed reservations on PostgreSQL"),
  fn: () => unconfirmedListed("postgres"),
});
