/**
 * A timed-out ReserveNow's hold is written into the station's snapshot at its timeout; the actor's memory of it
 * must not outlive (or override) what the snapshot says. It did: the actor kept the hold of every timed-out
 * ReserveNow in memory until the connection ended (a late answer settles only the last 8 timed-out calls) and
 * its guards read it in place of the snapshot's reservation of that id. A raw ReserveNow that reuses the id
 * for another connector, Accepted (OCPP 1.6 §5.13: a known reservationId replaces the reservation), moves the
 * reservation there; the guards still saw it on the old connector, refused a reservation there and let one
 * through on the new. A raw `ws` 1.6 station, raw ReserveNow through the command API, on KV and PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

const TIMEOUT_MS = 300;
const CP = "CP-HOLDMEMORY";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function reserveNow(server: ApiTestServer, reservationId: number, connectorId: number, idTag: string) {
  return server.json(`/api/v1/charge-points/${CP}/ReserveNow`, {
    method: "POST",
    as: "operator",
    body: { connectorId, expiryDate: inAnHour(), idTag, reservationId },
  });
}

/** `asked` reaches the station as a ReserveNow, which it answers `status` (null: never). */
async function answered(
  socket: RawSocket,
  asked: Promise<{ status: number; body: unknown }>,
  status: string | null,
) {
  const call = await Promise.race([
    socket.next(5000) as Promise<unknown[]>,
    asked.then((res) => [`answered ${res.status} before any CALL: ${JSON.stringify(res)}`]),
  ]);
  assertEquals(call[2], "ReserveNow", String(call[0]));
  if (status) socket.send(JSON.stringify([3, call[1], { status }]));
  return (await asked).status;
}

async function heldOnlyAsTheSnapshotSays(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      for (const idTag of ["OWNER", "STRANGER"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      const socket = await bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2]);
      try {
        assertEquals(await answered(socket, reserveNow(server, 900, 1, "OWNER"), null), 504);
        assertEquals(await answered(socket, reserveNow(server, 900, 2, "OWNER"), "Accepted"), 200);
        const stored = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
        assertEquals(
          stored.body.reservations.map((r: { reservationId: number; connectorId: number }) => [
            r.reservationId,
            r.connectorId,
          ]),
          [[900, 2]],
        );
        // Connector 1 is free: a reservation for another tag goes out.
        assertEquals(await answered(socket, reserveNow(server, 901, 1, "STRANGER"), "Accepted"), 200);
        // Connector 2 holds 900: refused before it reaches the station.
        const second = await reserveNow(server, 902, 2, "STRANGER");
        assertEquals(second.status, 409, JSON.stringify(second.body));
      } finally {
        await socket.close();
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS) },
    {},
    `turn42_holdmem_${kind}`,
  );
}

Deno.test("a timed-out ReserveNow's hold follows the snapshot once its id is reserved elsewhere (KV)", () =>
  heldOnlyAsTheSnapshotSays("kv"));

Deno.test({
  name: "a timed-out ReserveNow's hold follows the snapshot once its id is reserved elsewhere (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("reservation hold memory test"),
  fn: () => heldOnlyAsTheSnapshotSays("postgres"),
});
