/**
 * An operator's raw CancelReservation (POST /charge-points/{id}/CancelReservation) of a reservation the ledger
 * holds: once the station answers Accepted (or Rejected: it no longer holds it) the reservation is over on the
 * station, so the ledger ends it, whether the answer came in time or after CALL_TIMEOUT_MS, as the ledger's own
 * cancel does. A CALLERROR cancelled nothing: it stays active. A raw `ws` 1.6 station, on KV and PostgreSQL.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const TIMEOUT_MS = 300;
const CP = "CP-RAWCANCEL";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function station(server: ApiTestServer): Promise<RawSocket> {
  return bootedRawStation(`${server.wsUrl}/${CP}`);
}

/** The ledger's reservation on connector 1, Accepted by the station in time: its id. */
async function reserved(server: ApiTestServer, socket: RawSocket): Promise<number> {
  const asked = server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: { chargePointId: CP, connectorId: 1, idTag: "OWNER", expiryDate: inAnHour() },
  });
  const call = await Promise.race([
    socket.next(5000),
    asked.then((a) => ["answered", JSON.stringify(a.body)]),
  ]) as unknown[];
  assertEquals(call[2], "ReserveNow", JSON.stringify(call));
  socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
  const made = await asked;
  assertEquals([made.status, made.body.state], [201, "active"], JSON.stringify(made.body));
  return made.body.reservationId;
}

/** The operator's raw CancelReservation; the station takes the CALL and gives it to `answer`. */
async function rawCancel(
  server: ApiTestServer,
  socket: RawSocket,
  reservationId: number,
  answer: (messageId: string) => void,
) {
  const asked = server.json(`/api/v1/charge-points/${CP}/CancelReservation`, {
    method: "POST",
    as: "operator",
    body: { reservationId },
  });
  const call = await socket.next(5000) as unknown[];
  assertEquals([call[2], call[3]], ["CancelReservation", { reservationId }]);
  answer(call[1] as string);
  return await asked;
}

async function state(server: ApiTestServer, id: number): Promise<Json> {
  const res = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function rawCancels(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status,
        201,
      );
      const socket = await station(server);
      try {
        // A CALLERROR in time: the station cancelled nothing.
        const kept = await reserved(server, socket);
        const errored = await rawCancel(
          server,
          socket,
          kept,
          (id) => socket.send(JSON.stringify([4, id, "InternalError", "busy", {}])),
        );
        assertEquals(errored.status, 502, JSON.stringify(errored.body));
        assertEquals((await state(server, kept)).state, "active", "kept after a CALLERROR");

        // Accepted in time: ended, as the ledger's own cancel ends it.
        const timely = await rawCancel(
          server,
          socket,
          kept,
          (id) => socket.send(JSON.stringify([3, id, { status: "Accepted" }])),
        );
        assertEquals([timely.status, timely.body.status], [200, "Accepted"], JSON.stringify(timely.body));
        const ended = await state(server, kept);
        assertEquals([ended.state, ended.endReason], ["cancelled", "cancelled by token:operator tests"]);

        // Rejected in time: the station no longer holds it.
        const gone = await reserved(server, socket);
        const rejected = await rawCancel(
          server,
          socket,
          gone,
          (id) => socket.send(JSON.stringify([3, id, { status: "Rejected" }])),
        );
        assertEquals(rejected.status, 200, JSON.stringify(rejected.body));
        assertEquals((await state(server, gone)).state, "cancelled");
        assertStringIncludes((await state(server, gone)).endReason, "no longer held it");

        // Accepted after the timeout: ended all the same.
        const late = await reserved(server, socket);
        let messageId = "";
        const timedOut = await rawCancel(server, socket, late, (id) => messageId = id);
        assertEquals([timedOut.status, timedOut.body.error], [504, "station_timeout"]);
        assertEquals((await state(server, late)).state, "active", "its answer unknown");
        socket.send(JSON.stringify([3, messageId, { status: "Accepted" }]));
        await eventually(
          async () => (await state(server, late)).state === "cancelled",
          5000,
          "cancelled late",
        );
      } finally {
        await socket.close();
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
    {},
    `late4_rawcancel_${kind}`,
  );
}

Deno.test("a raw CancelReservation the station accepts ends the ledger's reservation, in time or late (KV)", () =>
  rawCancels("kv"));

Deno.test({
  name:
    "a raw CancelReservation the station accepts ends the ledger's reservation, in time or late (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("raw reservation cancels on PostgreSQL"),
  fn: () => rawCancels("postgres"),
});
