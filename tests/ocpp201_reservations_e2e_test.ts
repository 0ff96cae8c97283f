/**
 * Reservations with a lifecycle (fleet operations) on an OCPP 2.0.1 station, with npm `ocpp-rpc` in strict
 * mode speaking `ocpp2.0.1`: the EVSE must be Available, the station gets 2.0.1's ReserveNow (id, idToken,
 * evseId), and the transaction it starts with the reservationId uses the reservation up; another idToken's does
 * not (flagged), and an EVSE holds one reservation.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a reservation on a 2.0.1 station's EVSE is sent in 2.0.1's shape and used by its transaction", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-RSV201");
  const asked: Json[] = [];
  station.handle("ReserveNow", ({ params }) => (asked.push(params), { status: "Accepted" }));
  const expiryDate = new Date(Date.now() + 3600_000).toISOString();
  const reserve = (connectorId: number) =>
    server.json("/api/v1/reservations", {
      method: "POST",
      as: "operator",
      body: { chargePointId: "CP-RSV201", connectorId, idTag: "DRIVER-1", expiryDate },
    });
  try {
    // EVSE 1 has not reported a status yet: refused before anything is sent.
    const early = await reserve(1);
    assertEquals(early.status, 409);
    assertEquals(asked.length, 0);
    await station.call("StatusNotification", {
      timestamp: new Date().toISOString(),
      connectorStatus: "Available",
      evseId: 1,
      connectorId: 1,
    });
    const made = await reserve(1);
    assertEquals(made.status, 201, JSON.stringify(made.body));
    const reservationId = made.body.reservationId;
    assertEquals(asked, [{
      id: reservationId,
      expiryDateTime: expiryDate,
      idToken: { idToken: "DRIVER-1", type: "ISO14443" },
      evseId: 1,
    }]);
    await station.call("TransactionEvent", {
      eventType: "Started",
      seqNo: 0,
      timestamp: new Date().toISOString(),
      triggerReason: "Authorized",
      transactionInfo: { transactionId: "RSV-TX" },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: "DRIVER-1", type: "ISO14443" },
      reservationId,
    });
    const used = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/reservations/${reservationId}`, { as: "viewer" });
        return body.state === "used" ? body : null;
      },
      8000,
      "the reservation used",
    );
    const tx =
      (await server.json("/api/v1/transactions?chargePointId=CP-RSV201", { as: "viewer" })).body.items[0];
    assertEquals(used.transactionId, tx.transactionId);
    assertEquals(
      (await server.store.getChargePoint("CP-RSV201"))?.reservations,
      [],
      "the station's view too",
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a reservation on a 2.0.1 station's EVSE is cancelled when that EVSE goes Faulted", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-RSV201F");
  const cancelled: Json[] = [];
  station.handle("ReserveNow", () => ({ status: "Accepted" }));
  station.handle("CancelReservation", ({ params }) => (cancelled.push(params), { status: "Accepted" }));
  const status = (evseId: number, connectorStatus: string) =>
    station.call("StatusNotification", {
      timestamp: new Date().toISOString(),
      connectorStatus,
      evseId,
      connectorId: 1,
    });
  const reserve = (connectorId: number) =>
    server.json("/api/v1/reservations", {
      method: "POST",
      as: "operator",
      body: {
        chargePointId: "CP-RSV201F",
        connectorId,
        idTag: "DRIVER-1",
        expiryDate: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
  try {
    await status(1, "Available");
    await status(2, "Available");
    const one = (await reserve(1)).body.reservationId;
    const two = (await reserve(2)).body.reservationId;
    // EVSE 2 faults: its reservation is cancelled (and the station told), EVSE 1's stands.
    await status(2, "Faulted");
    const ended = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/reservations/${two}`, { as: "viewer" });
        return body.state === "cancelled" ? body : null;
      },
      8000,
      "the reservation of the Faulted EVSE cancelled",
    );
    assertEquals(ended.endReason, "EVSE 2 connector 1 is Faulted");
    await eventually(() => cancelled.length > 0 ? true : null, 8000, "CancelReservation sent");
    assertEquals(cancelled, [{ reservationId: two }]);
    assertEquals((await server.json(`/api/v1/reservations/${one}`, { as: "viewer" })).body.state, "active");
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a 2.0.1 reservation is its idToken's: another's transaction naming it leaves it active, flagged; one EVSE holds one", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-RSV201X");
  station.handle("ReserveNow", () => ({ status: "Accepted" }));
  const reserve = (idTag: string) =>
    server.json("/api/v1/reservations", {
      method: "POST",
      as: "operator",
      body: {
        chargePointId: "CP-RSV201X",
        connectorId: 1,
        idTag,
        expiryDate: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
  try {
    await station.call("StatusNotification", {
      timestamp: new Date().toISOString(),
      connectorStatus: "Available",
      evseId: 1,
      connectorId: 1,
    });
    const reservationId = (await reserve("DRIVER-1")).body.reservationId;
    const second = await reserve("DRIVER-2");
    assertEquals([second.status, second.body.error, second.body.details.reservationId], [
      409,
      "conflict",
      reservationId,
    ]);
    const answer = await station.call("TransactionEvent", {
      eventType: "Started",
      seqNo: 0,
      timestamp: new Date().toISOString(),
      triggerReason: "Authorized",
      transactionInfo: { transactionId: "RSV-X" },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: "DRIVER-2", type: "ISO14443" },
      reservationId,
    });
    assertEquals(answer.idTokenInfo.status, "Invalid", "answered by its own standing (unknown)");
    const tx =
      (await server.json("/api/v1/transactions?chargePointId=CP-RSV201X", { as: "viewer" })).body.items[0];
    const flag = await eventually(
      async () => {
        const { body } = await server.json(
          `/api/v1/transaction-flags?kind=reservation_not_held&transactionId=${tx.transactionId}`,
          { as: "viewer" },
        );
        return body.items[0];
      },
      8000,
      "the transaction flagged",
    );
    assertEquals([flag.details.reservationId, flag.details.reservedFor], [reservationId, "DRIVER-1"]);
    assertEquals(
      (await server.json(`/api/v1/reservations/${reservationId}`, { as: "viewer" })).body.state,
      "active",
    );
    // The station's own view keeps it too: once that session ends, a remote start for a third token on the
    // EVSE is refused as reserved for DRIVER-1.
    await station.call("TransactionEvent", {
      eventType: "Ended",
      seqNo: 1,
      timestamp: new Date().toISOString(),
      triggerReason: "EVCommunicationLost",
      transactionInfo: { transactionId: "RSV-X", stoppedReason: "EVDisconnected" },
    });
    await server.store.putIdTag({
      idTag: "DRIVER-3",
      status: "Accepted",
      expiryDate: null,
      parentIdTag: null,
    });
    const foreign = await server.json("/api/v1/charge-points/CP-RSV201X/RequestStartTransaction", {
      method: "POST",
      body: { idToken: { idToken: "DRIVER-3", type: "ISO14443" }, remoteStartId: 3, evseId: 1 },
      as: "operator",
    });
    assertEquals(
      [foreign.status, foreign.body.error],
      [409, "command_refused"],
      JSON.stringify(foreign.body),
    );
    assertStringIncludes(foreign.body.message, `reservation ${reservationId}`);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a 2.0.1 session's later events do not use a reservation made after it began for the same idToken", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-RSV201L");
  station.handle("ReserveNow", () => ({ status: "Accepted" }));
  const event = (eventType: string, seqNo: number) =>
    station.call("TransactionEvent", {
      eventType,
      seqNo,
      timestamp: new Date().toISOString(),
      triggerReason: eventType === "Started" ? "Authorized" : "MeterValuePeriodic",
      transactionInfo: { transactionId: "RSV-L" },
      evse: { id: 1, connectorId: 1 },
      ...(eventType === "Started" ? { idToken: { idToken: "DRIVER-1", type: "ISO14443" } } : {}),
    });
  try {
    await station.call("StatusNotification", {
      timestamp: new Date().toISOString(),
      connectorStatus: "Occupied",
      evseId: 1,
      connectorId: 1,
    });
    await event("Started", 0);
    // DRIVER-1 charges on EVSE 1; the operator keeps EVSE 1 for DRIVER-1's next visit (forced: it is in use).
    const made = await server.json("/api/v1/reservations", {
      method: "POST",
      as: "operator",
      body: {
        chargePointId: "CP-RSV201L",
        connectorId: 1,
        idTag: "DRIVER-1",
        expiryDate: new Date(Date.now() + 3600_000).toISOString(),
        force: true,
      },
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    await event("Updated", 1);
    await event("Updated", 2);
    // The events are handled in order: a later call's answer comes after the reservation service heard them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { body } = await server.json(`/api/v1/reservations/${made.body.reservationId}`, { as: "viewer" });
    assertEquals([body.state, body.transactionId], ["active", null]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
