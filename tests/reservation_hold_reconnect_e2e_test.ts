/**
 * A ledger ReserveNow that timed out is held (the station may hold it) until its late answer or its expiry. A
 * station that reconnects never answers its old connection's CALL (OCPP-J: an answer belongs to the socket
 * the CALL came on), so what settles the hold then is its expiry or a cancel, not a late answer: the hold
 * must outlive the connection, as the ledger's record does. After a reconnect the station's actor still
 * refuses a remote start for another tag and a raw ReserveNow there, until the operator cancels it through the
 * ledger (the station answers Rejected: it never took it), which frees the connector. A raw `ws` 1.6 station,
 * on KV and PostgreSQL.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TIMEOUT_MS = 300;
const CP = "CP-HOLDRECONNECT";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function connect(server: ApiTestServer): Promise<RawSocket> {
  return bootedRawStation(`${server.wsUrl}/${CP}`);
}

function remoteStart(server: ApiTestServer, idTag: string) {
  return server.json(`/api/v1/charge-points/${CP}/RemoteStartTransaction`, {
    method: "POST",
    as: "operator",
    body: { connectorId: 1, idTag },
  });
}

async function holdAcrossReconnect(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      for (const idTag of ["OWNER", "STRANGER"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      let socket = await connect(server);
      try {
        const asked = server.json("/api/v1/reservations", {
          method: "POST",
          as: "operator",
          body: { chargePointId: CP, connectorId: 1, idTag: "OWNER", expiryDate: inAnHour() },
        });
        const call = await socket.next(5000) as unknown[];
        assertEquals(call[2], "ReserveNow");
        const timedOut = await asked;
        assertEquals(
          [timedOut.status, timedOut.body.details?.held],
          [504, true],
          JSON.stringify(timedOut.body),
        );
        const id = timedOut.body.details.reservationId as number;

        // The station drops its connection without answering, and comes back.
        await socket.close();
        socket = await connect(server);

        const start = await remoteStart(server, "STRANGER");
        assertEquals(start.status, 409, `still held after the reconnect: ${JSON.stringify(start.body)}`);
        assertStringIncludes(JSON.stringify(start.body), "reserved");
        const raw = await server.json(`/api/v1/charge-points/${CP}/ReserveNow`, {
          method: "POST",
          as: "operator",
          body: { connectorId: 1, idTag: "STRANGER", reservationId: 77, expiryDate: inAnHour() },
        });
        assertEquals(raw.status, 409, JSON.stringify(raw.body));
        const stationView = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
        assertEquals(
          stationView.body.reservations?.map((r: Json) => [r.reservationId, r.idTag]),
          [[id, "OWNER"]],
          "listed as the ledger lists it",
        );
        assertEquals((await server.json(`/api/v1/reservations/${id}`)).body.state, "active");

        // The operator cancels it: the station never took it (Rejected), so nothing is held any more.
        const cancel = server.json(`/api/v1/reservations/${id}/cancel`, { method: "POST", as: "operator" });
        const cancelCall = await socket.next(5000) as unknown[];
        assertEquals([cancelCall[2], cancelCall[3]], ["CancelReservation", { reservationId: id }]);
        socket.send(JSON.stringify([3, cancelCall[1], { status: "Rejected" }]));
        assertEquals((await cancel).body.state, "cancelled");
        const freed = remoteStart(server, "STRANGER");
        const startCall = await socket.next(5000) as unknown[];
        assertEquals(startCall[2], "RemoteStartTransaction");
        socket.send(JSON.stringify([3, startCall[1], { status: "Accepted" }]));
        assertEquals((await freed).status, 200);
      } finally {
        await socket.close();
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
    {},
    `late4_holdreconnect_${kind}`,
  );
}

Deno.test("a timed-out ReserveNow stays held across the station's reconnect until cancelled (KV)", () =>
  holdAcrossReconnect("kv"));

Deno.test({
  name: "a timed-out ReserveNow stays held across the station's reconnect until cancelled (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("reservation holds across reconnects on PostgreSQL"),
  fn: () => holdAcrossReconnect("postgres"),
});
