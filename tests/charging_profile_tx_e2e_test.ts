/**
 * A TxProfile is for the transaction running on its connector (OCPP 1.6 §3.13.2: with no transaction active on
 * the connector the station discards it; a transactionId names the one in progress). One naming a transaction
 * that does not run there, or sent to a connector without one, is refused before it goes out (409, the field
 * named), through the charging profile API, the raw command and a job alike: a station that took it anyway
 * would leave a stored profile no session ever ends. Driven as an operator and a station would: HTTP, and a
 * strict ocpp-rpc station with a running transaction.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const txProfile = (connectorId: number, transactionId?: number) => ({
  connectorId,
  csChargingProfiles: {
    chargingProfileId: 40 + connectorId,
    ...(transactionId !== undefined ? { transactionId } : {}),
    stackLevel: 2,
    chargingProfilePurpose: "TxProfile",
    chargingProfileKind: "Relative",
    chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
  },
});

Deno.test("a TxProfile naming a transaction that does not run on its connector is 409 and never sent", async () => {
  const server = await startApiServer();
  await server.store.putIdTag({ idTag: "TX-TAG", status: "Accepted", expiryDate: null, parentIdTag: null });
  const station = await connectStation(server.wsUrl, "CP-TXP");
  const received: unknown[] = [];
  station.handle("SetChargingProfile", ({ params }) => (received.push(params), { status: "Accepted" }));
  try {
    for (const connectorId of [1, 2]) {
      await station.call("StatusNotification", { connectorId, errorCode: "NoError", status: "Available" });
    }
    const { transactionId } = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "TX-TAG",
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    const refusals: [string, unknown][] = [
      ["an unknown transaction", txProfile(1, transactionId + 1000)],
      ["the transaction of another connector", txProfile(2, transactionId)],
      ["a connector without a transaction", txProfile(2)],
    ];
    for (const [what, body] of refusals) {
      const api = await server.json("/api/v1/charge-points/CP-TXP/charging-profiles", {
        method: "POST",
        body,
        as: "operator",
      });
      assertEquals(api.status, 409, `${what}: ${JSON.stringify(api.body)}`);
      assertEquals(api.body.error, "conflict", what);
      const raw = await server.json("/api/v1/charge-points/CP-TXP/SetChargingProfile", {
        method: "POST",
        body,
        as: "operator",
      });
      assertEquals(raw.status, 409, `${what}, raw command: ${JSON.stringify(raw.body)}`);
    }
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      body: {
        action: "SetChargingProfile",
        payload: txProfile(1, transactionId + 1000),
        chargePointIds: ["CP-TXP"],
      },
      as: "operator",
    });
    assertEquals(job.status, 201, JSON.stringify(job.body));
    const task = await eventually(async () => {
      const r = await server.json(`/api/v1/jobs/${job.body.id}`, { as: "viewer" });
      return r.body.state === "finished" ? r.body.tasks.items[0] : null;
    });
    assertEquals(task.outcome, "refused", JSON.stringify(task));
    assertEquals(received, [], "the station got a TxProfile it must discard");
    const stored = await server.json("/api/v1/charge-points/CP-TXP/charging-profiles", { as: "viewer" });
    assertEquals(stored.body.items, []);

    // The transaction's own TxProfile, named or not, goes out and is stored until the transaction ends.
    const named = await server.json("/api/v1/charge-points/CP-TXP/charging-profiles", {
      method: "POST",
      body: txProfile(1, transactionId),
      as: "operator",
    });
    assertEquals(named.status, 201, JSON.stringify(named.body));
    const unnamed = await server.json("/api/v1/charge-points/CP-TXP/SetChargingProfile", {
      method: "POST",
      body: txProfile(1),
      as: "operator",
    });
    assertEquals([unnamed.status, unnamed.body], [200, { status: "Accepted" }]);
    assertEquals(received.length, 2);
    // Forced (a session the station has not reported yet), the raw command goes out.
    const forced = await server.json("/api/v1/charge-points/CP-TXP/SetChargingProfile?force=true", {
      method: "POST",
      body: txProfile(2),
      as: "operator",
    });
    assertEquals([forced.status, forced.body], [200, { status: "Accepted" }]);
    assertEquals(received.length, 3);
    await station.call("StopTransaction", {
      transactionId,
      meterStop: 100,
      timestamp: new Date().toISOString(),
      reason: "Local",
    });
    // The transaction's profiles go with it; the forced one stays the operator's to clear.
    await eventually(async () => {
      const r = await server.json("/api/v1/charge-points/CP-TXP/charging-profiles", { as: "viewer" });
      const left = r.body.items.map((p: { connectorId: number }) => p.connectorId);
      return left.length === 1 && left[0] === 2;
    });
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a TxProfile for the whole station (connector 0) while it runs no transaction is 409 and never sent", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-TXP0");
  const received: unknown[] = [];
  station.handle("SetChargingProfile", ({ params }) => (received.push(params), { status: "Accepted" }));
  try {
    await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
    const api = await server.json("/api/v1/charge-points/CP-TXP0/charging-profiles", {
      method: "POST",
      body: txProfile(0),
      as: "operator",
    });
    assertEquals([api.status, api.body.error, api.body.details?.field], [409, "conflict", "connectorId"]);
    const raw = await server.json("/api/v1/charge-points/CP-TXP0/SetChargingProfile", {
      method: "POST",
      body: txProfile(0),
      as: "operator",
    });
    assertEquals([raw.status, raw.body.error], [409, "conflict"]);
    assertEquals(received, [], "the station got a TxProfile it must discard");
    const stored = await server.json("/api/v1/charge-points/CP-TXP0/charging-profiles", { as: "viewer" });
    assertEquals(stored.body.items, []);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
