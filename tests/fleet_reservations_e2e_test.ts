/**
 * Reservations end to end with virtual stations (simulator/, strict frames): the CSMS allocates the id, the
 * station holds the connector Reserved, the reservation expires (state shown), is cancelled when its
 * connector becomes Faulted (and the station is told), is used by the matching start, is cancelled by an
 * operator, and is refused early on a connector that is not Available (unless forced) and on connector 0 where
 * ReserveConnectorZeroSupported is false.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { withFleet } from "./helpers/simulation.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ENV = { RESERVATION_SWEEP_S: "0.1", FLEET_POLL_MS: "50" };

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/** Reserves on RSV-1 for DRIVER-1 for an hour, but for what `body` says. */
function reserve(server: ApiTestServer, body: Record<string, unknown>) {
  return server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: { chargePointId: "RSV-1", idTag: "DRIVER-1", expiryDate: inSeconds(3600), ...body },
  });
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

/** Waits until the server (not only the station) has the connector's status. */
async function serverSees(server: ApiTestServer, id: string, connectorId: number, status: string) {
  await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/charge-points/${id}`, { as: "viewer" });
      return body.connectors.find((c: Json) => c.connectorId === connectorId)?.status === status;
    },
    5000,
    `${id}/${connectorId} ${status} on the server`,
  );
}

Deno.test("reservations: allocated ids, expiry, cancel on Faulted, used by the start, cancel, early refusals", async () => {
  await withFleet(ENV, { stations: 1, prefix: "RSV-", connectors: 2 }, async (server, fleet) => {
    const station = fleet.station("RSV-1");
    await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "DRIVER-1" } });

    await serverSees(server, "RSV-1", 1, "Available");
    await serverSees(server, "RSV-1", 2, "Available");
    // Expiry: the station holds it Reserved until the expiry; then both sides let it go.
    const first = await reserve(server, { connectorId: 1, expiryDate: inSeconds(1.5) });
    assertEquals(first.status, 201, JSON.stringify(first.body));
    assertEquals([first.body.state, first.body.createdBy], ["active", "token:operator tests"]);
    assert(first.body.reservationId >= 1);
    assertEquals(station.snapshot().connectors[1]?.reservationId, first.body.reservationId);
    await eventually(() => station.status(1) === "Reserved", 3000, "connector 1 Reserved");
    const expired = await reservationIn(server, first.body.reservationId, "expired");
    assertEquals(expired.endReason, "expired");
    assert(Date.parse(expired.endedAt) >= Date.parse(first.body.expiryDate));
    await serverSees(server, "RSV-1", 1, "Available");

    // A Faulted connector cancels its reservation, and the station is told to drop it.
    const second = await reserve(server, { connectorId: 2 });
    assertEquals(second.status, 201);
    assert(second.body.reservationId > first.body.reservationId, "ids are allocated in order");
    station.fault(2, "GroundFailure");
    await serverSees(server, "RSV-1", 2, "Faulted");
    const cancelled = await reservationIn(server, second.body.reservationId, "cancelled");
    assertEquals(cancelled.endReason, "connector 2 is Faulted");
    await eventually(
      () => station.snapshot().connectors[2]?.reservationId === null,
      3000,
      "the station dropped it",
    );
    const log = await server.json("/api/v1/charge-points/RSV-1/commands", { as: "viewer" });
    assertEquals(log.body.items[0].action, "CancelReservation");
    assertEquals(log.body.items[0].requestedBy, "system:reservations");

    // Refused early: connector 2 is Faulted; forced, the station itself answers Faulted.
    const early = await reserve(server, { connectorId: 2 });
    assertEquals([early.status, early.body.error, early.body.details.reason], [
      409,
      "command_refused",
      "Faulted",
    ]);
    const forced = await reserve(server, { connectorId: 2, force: true });
    assertEquals([forced.status, forced.body.details.reason], [409, "Faulted"]);
    // Connector 0: the station does not support it (ReserveConnectorZeroSupported is false).
    const zero = await reserve(server, { connectorId: 0 });
    assertEquals(zero.status, 409);
    assertStringIncludes(zero.body.message, "ReserveConnectorZeroSupported");
    const past = await reserve(server, { connectorId: 1, expiryDate: inSeconds(-10) });
    assertEquals([past.status, past.body.details.field], [400, "expiryDate"]);
    // An instant no four-digit year writes (a leap second at the end of 9999): refused here, not sent on to
    // the station to crash its actor when the answer came back.
    const beyond = await reserve(server, { connectorId: 1, expiryDate: "9999-12-31T23:59:60Z" });
    assertEquals([beyond.status, beyond.body.details.field], [400, "expiryDate"]);
    const emptyTag = await reserve(server, { connectorId: 1, idTag: "" });
    assertEquals([emptyTag.status, emptyTag.body.details.field], [400, "idTag"]);
    // An id no station ever had is a typo (404); a known station that is offline cannot be told (409).
    const unknown = await reserve(server, {
      chargePointId: "RSV-NONE",
      connectorId: 1,
      expiryDate: inSeconds(60),
    });
    assertEquals([unknown.status, unknown.body.error, unknown.body.details.field], [
      404,
      "not_found",
      "chargePointId",
    ]);
    const known = await server.json("/api/v1/charge-points/RSV-OFF", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(known.status, 201);
    const offline = await reserve(server, {
      chargePointId: "RSV-OFF",
      connectorId: 1,
      expiryDate: inSeconds(60),
    });
    assertEquals([offline.status, offline.body.error], [409, "not_connected"]);

    // Used by the matching start: the driver's transaction names the reservation.
    const third = await reserve(server, { connectorId: 1 });
    assertEquals(third.status, 201);
    const start = await station.startTransaction(1, "DRIVER-1");
    assert(start, "the station did not start");
    const used = await reservationIn(server, third.body.reservationId, "used");
    const [tx] =
      (await server.json("/api/v1/transactions?chargePointId=RSV-1&status=active", { as: "viewer" }))
        .body.items;
    assertEquals([used.transactionId, tx.reservationId], [tx.transactionId, third.body.reservationId]);
    station.stopTransaction(1);
    station.unplug(1);
    await serverSees(server, "RSV-1", 1, "Available");

    // Cancelled by an operator: CancelReservation, and the station lets the connector go.
    const fourth = await reserve(server, { connectorId: 1 });
    assertEquals(fourth.status, 201);
    const asViewer = await server.json(`/api/v1/reservations/${fourth.body.reservationId}/cancel`, {
      method: "POST",
      as: "viewer",
    });
    assertEquals(asViewer.status, 403);
    const cancel = await server.json(`/api/v1/reservations/${fourth.body.reservationId}/cancel`, {
      method: "POST",
      as: "operator",
    });
    assertEquals([cancel.status, cancel.body.state, cancel.body.endReason], [
      200,
      "cancelled",
      "cancelled by token:operator tests",
    ]);
    assertEquals(station.snapshot().connectors[1]?.reservationId, null);
    const again = await server.json(`/api/v1/reservations/${fourth.body.reservationId}/cancel`, {
      method: "POST",
      as: "operator",
    });
    assertEquals(again.status, 409);

    const listed = await server.json("/api/v1/reservations?chargePointId=RSV-1", { as: "viewer" });
    assertEquals(listed.body.items.map((r: Json) => r.state), ["cancelled", "used", "cancelled", "expired"]);
    const active = await server.json("/api/v1/reservations?state=active", { as: "viewer" });
    assertEquals(active.body.items, []);
    station.recover(2);
  });
});
