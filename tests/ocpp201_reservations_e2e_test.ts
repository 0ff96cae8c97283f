/**
 * Reservations with a lifecycle (fleet operations) on an OCPP 2.0.1 station, with npm `ocpp-rpc` in strict
 * mode speaking `ocpp2.0.1`: the EVSE must be Available, the station gets 2.0.1's ReserveNow (id, idToken,
 * evseId), and the transaction it starts with the reservationId uses the reservation up.
 */
import { assertEquals } from "@std/assert";
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
  } finally {
    await closeStation(station);
    await server.close();
  }
});
