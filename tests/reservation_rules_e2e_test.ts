/**
 * Whom a reservation belongs to (OCPP 1.6 §5.13), with a real station (ocpp-rpc, strict) and real HTTP, on
 * Deno KV and on PostgreSQL: its idTag and the tags of its parentIdTag use it; a start that names it for
 * another tag is stored and answered as any start, but leaves it active and is flagged; one connector holds
 * one reservation (409 naming it, unless forced); a remote start for another tag on a reserved connector is
 * refused (409, unless forced).
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const noPostgres = await ignoreWithoutPostgres("reservation rules on PostgreSQL");
const ENV = { RESERVATION_SWEEP_S: "0.1", FLEET_POLL_MS: "50" };
const CP = "RSVR-1";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** The API server on `kind` with the reservation sweep and fleet poll made quick. */
function onStore(kind: StoreKind, fn: (server: ApiTestServer) => Promise<void>) {
  return withApiServer(kind, fn, ENV);
}

/** A station with two Available connectors that accepts what it is asked. */
async function station(server: ApiTestServer): Promise<Station> {
  const cp = await connectStation(server.wsUrl, CP);
  for (const action of ["ReserveNow", "CancelReservation", "RemoteStartTransaction"]) {
    cp.handle(action, () => ({ status: "Accepted" }));
  }
  for (const connectorId of [1, 2]) {
    await cp.call("StatusNotification", { connectorId, errorCode: "NoError", status: "Available" });
  }
  return cp;
}

function reserve(server: ApiTestServer, body: Record<string, unknown>) {
  return server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: { chargePointId: CP, connectorId: 1, expiryDate: inAnHour(), ...body },
  });
}

function start(cp: Station, connectorId: number, idTag: string, reservationId?: number) {
  return cp.call("StartTransaction", {
    connectorId,
    idTag,
    meterStart: 0,
    timestamp: new Date().toISOString(),
    ...(reservationId !== undefined ? { reservationId } : {}),
  });
}

async function stop(cp: Station, transactionId: number) {
  await cp.call("StopTransaction", { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
}

async function reservationIn(server: ApiTestServer, id: number, state: string): Promise<Json> {
  return await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
      return body.state === state ? body : null;
    },
    8000,
    `reservation ${id} ${state}`,
  );
}

async function rules(kind: "kv" | "postgres") {
  await onStore(kind, async (server) => {
    for (
      const tag of [
        { idTag: "OWNER", parentIdTag: "FLEET" },
        { idTag: "SIBLING", parentIdTag: "FLEET" },
        { idTag: "FLEET" },
        { idTag: "STRANGER" },
      ]
    ) {
      assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: tag })).status, 201);
    }
    const cp = await station(server);
    try {
      const first = await reserve(server, { idTag: "OWNER", parentIdTag: "FLEET" });
      assertEquals(first.status, 201, JSON.stringify(first.body));
      const id = first.body.reservationId;

      // One connector, one reservation: refused before the station is asked, naming the one it holds.
      const second = await reserve(server, { idTag: "STRANGER" });
      assertEquals([second.status, second.body.error, second.body.details.reservationId], [
        409,
        "conflict",
        id,
      ]);
      assertStringIncludes(second.body.message, `reservation ${id}`);
      const direct = await server.json(`/api/v1/charge-points/${CP}/ReserveNow`, {
        method: "POST",
        as: "operator",
        body: { connectorId: 1, expiryDate: inAnHour(), idTag: "STRANGER", reservationId: 900 },
      });
      assertEquals([direct.status, direct.body.error, direct.body.details.reservationId], [
        409,
        "command_refused",
        id,
      ]);
      // Its own id replaces it (OCPP 1.6 §5.13), and the other connector is free.
      const again = await server.json(`/api/v1/charge-points/${CP}/ReserveNow`, {
        method: "POST",
        as: "operator",
        body: {
          connectorId: 1,
          expiryDate: inAnHour(),
          idTag: "OWNER",
          parentIdTag: "FLEET",
          reservationId: id,
        },
      });
      assertEquals(again.status, 200, JSON.stringify(again.body));
      const other = await reserve(server, { connectorId: 2, idTag: "STRANGER" });
      assertEquals(other.status, 201, JSON.stringify(other.body));

      // A remote start for another tag on the reserved connector: refused, unless forced.
      const remote = (idTag: string, force = false) =>
        server.json(`/api/v1/charge-points/${CP}/RemoteStartTransaction${force ? "?force=true" : ""}`, {
          method: "POST",
          as: "operator",
          body: { connectorId: 1, idTag },
        });
      const foreign = await remote("STRANGER");
      assertEquals([foreign.status, foreign.body.error, foreign.body.details.reservationId], [
        409,
        "command_refused",
        id,
      ]);
      for (const idTag of ["OWNER", "SIBLING", "FLEET"]) {
        assertEquals((await remote(idTag)).status, 200, idTag);
      }
      assertEquals((await remote("STRANGER", true)).status, 200);

      // A start that names the reservation for another tag: stored and answered by the tag's own standing,
      // the reservation stays active and the transaction is flagged.
      const taken = await start(cp, 1, "STRANGER", id);
      assertEquals(taken.idTagInfo.status, "Accepted");
      const flag = await eventually(
        async () => {
          const { body } = await server.json(
            `/api/v1/transaction-flags?kind=reservation_not_held&transactionId=${taken.transactionId}`,
            { as: "viewer" },
          );
          return body.items[0];
        },
        8000,
        "the mismatch flagged",
      );
      assertEquals([flag.details.reservationId, flag.details.reservedFor], [id, "OWNER"]);
      assertEquals((await server.json(`/api/v1/reservations/${id}`, { as: "viewer" })).body.state, "active");
      await stop(cp, taken.transactionId);
      // The station's reservations (what the guards read) still hold it.
      assertEquals((await remote("STRANGER")).body.details?.reservationId, id);

      // A tag of the reservation's parent uses it without naming it.
      const sibling = await start(cp, 1, "SIBLING");
      const used = await reservationIn(server, id, "used");
      assertEquals(used.transactionId, sibling.transactionId);
      await stop(cp, sibling.transactionId);
      // Used, it holds the connector no more.
      assertEquals((await remote("STRANGER")).status, 200);
      const after = await reserve(server, { idTag: "STRANGER" });
      assertEquals(after.status, 201, JSON.stringify(after.body));

      // Forced, a second reservation goes out (the station decides).
      const third = await reserve(server, { connectorId: 2, idTag: "OWNER" });
      assertEquals([third.status, third.body.details.reservationId], [409, other.body.reservationId]);
      const forced = await reserve(server, { connectorId: 2, idTag: "OWNER", force: true });
      assertEquals(forced.status, 201, JSON.stringify(forced.body));
      assert(forced.body.reservationId > other.body.reservationId);
    } finally {
      await closeStation(cp);
    }
  });
}

Deno.test("reservation rules on Deno KV: owner and parent use it, others neither use nor take it", () =>
  rules("kv"));

Deno.test({
  name: "reservation rules on PostgreSQL: owner and parent use it, others neither use nor take it",
  ignore: noPostgres,
  fn: () => rules("postgres"),
});

Deno.test("a reservation for a tag of a group tells the station its parentIdTag, as our id tags know it", () =>
  onStore("kv", async (server) => {
    for (
      const tag of [{ idTag: "SIBLING", parentIdTag: "FLEET" }, { idTag: "FLEET" }, { idTag: "STRANGER" }]
    ) {
      assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: tag })).status, 201);
    }
    const cp = await station(server);
    const asked: Json[] = [];
    cp.handle("ReserveNow", ({ params }) => (asked.push(params), { status: "Accepted" }));
    try {
      const grouped = await reserve(server, { idTag: "SIBLING" });
      assertEquals([grouped.status, grouped.body.parentIdTag], [201, "FLEET"], JSON.stringify(grouped.body));
      const alone = await reserve(server, { connectorId: 2, idTag: "STRANGER" });
      assertEquals(alone.status, 201);
      assertEquals(asked.map((p) => [p.idTag, p.parentIdTag]), [["SIBLING", "FLEET"], [
        "STRANGER",
        undefined,
      ]]);
    } finally {
      await closeStation(cp);
    }
  }));
