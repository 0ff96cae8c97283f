/**
 * Numbers an OCPP 1.6 command may carry but no station can act on: the official schemas only say "integer",
 * the spec's field tables bound them (a connector counts from 0, the whole station, or from 1 where a physical
 * connector is meant; retries, intervals, durations, versions and ids are not negative). An operator's command
 * or job carrying one is 400 naming the field, and the station receives nothing: a station fed connectorId -1
 * answers anything, and what its answer teaches (an availability, a list version) would be recorded. Driven as
 * an operator and a station would, on both stores: HTTP, and a strict ocpp-rpc station (1.6 and 2.0.1).
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { COMMAND_SAMPLES } from "./helpers/command_samples.ts";
import { COMMAND_SAMPLES_201 } from "./helpers/command_samples_201.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const TOKEN_201 = { idToken: "TAG-1", type: "Central" };

const OUT_OF_RANGE: [string, Record<string, unknown>, string][] = [
  ["ChangeAvailability", { connectorId: -1, type: "Operative" }, "connectorId"],
  ["UnlockConnector", { connectorId: 0 }, "connectorId"],
  ["UnlockConnector", { connectorId: 101 }, "connectorId"],
  ["RemoteStartTransaction", { connectorId: 0, idTag: "TAG-1" }, "connectorId"],
  ["TriggerMessage", { requestedMessage: "StatusNotification", connectorId: -5 }, "connectorId"],
  ["GetCompositeSchedule", { connectorId: -1, duration: 60 }, "connectorId"],
  ["GetCompositeSchedule", { connectorId: 1, duration: -60 }, "duration"],
  [
    "ReserveNow",
    { connectorId: -2, expiryDate: "2030-01-01T00:00:00Z", idTag: "TAG-1", reservationId: 1 },
    "connectorId",
  ],
  [
    "ReserveNow",
    { connectorId: 1, expiryDate: "2030-01-01T00:00:00Z", idTag: "TAG-1", reservationId: -1 },
    "reservationId",
  ],
  ["CancelReservation", { reservationId: -1 }, "reservationId"],
  ["ClearChargingProfile", { connectorId: -1 }, "connectorId"],
  ["ClearChargingProfile", { stackLevel: -1 }, "stackLevel"],
  ["GetDiagnostics", { location: "https://example.com/up", retries: -3 }, "retries"],
  ["UpdateFirmware", {
    location: "https://example.com/fw",
    retrieveDate: "2030-01-01T00:00:00Z",
    retryInterval: -1,
  }, "retryInterval"],
  ["RemoteStopTransaction", { transactionId: -1 }, "transactionId"],
  ["SendLocalList", { listVersion: -7, updateType: "Full" }, "listVersion"],
];

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a command or job with a number no station can act on is 400 and never sent`, async () => {
    await withApiServer(kind, async (server) => {
      await server.store.putIdTag({
        idTag: "TAG-1",
        status: "Accepted",
        expiryDate: null,
        parentIdTag: null,
      });
      const station = await connectStation(server.wsUrl, "CP-BOUNDS");
      const received: string[] = [];
      for (const [action, { answer }] of Object.entries(COMMAND_SAMPLES)) {
        station.handle(action, () => (received.push(action), answer));
      }
      try {
        for (const connectorId of [1, 2]) {
          await station.call("StatusNotification", {
            connectorId,
            errorCode: "NoError",
            status: "Available",
          });
        }
        for (const [action, body, field] of OUT_OF_RANGE) {
          const res = await server.json(`/api/v1/charge-points/CP-BOUNDS/${action}`, {
            method: "POST",
            body,
            as: "operator",
          });
          const what = `${action} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`;
          assertEquals(
            [res.status, res.body.error, res.body.details?.field],
            [400, "invalid_request", field],
            what,
          );
        }
        const job = await server.json("/api/v1/jobs", {
          method: "POST",
          body: {
            action: "ChangeAvailability",
            payload: { connectorId: -1, type: "Inoperative" },
            chargePointIds: ["CP-BOUNDS"],
          },
          as: "operator",
        });
        assertEquals(
          [job.status, job.body.details?.field],
          [400, "payload.connectorId"],
          JSON.stringify(job.body),
        );
        assertEquals(received, [], "the station received a command");
        // The same commands within range go out.
        const fine = await server.json("/api/v1/charge-points/CP-BOUNDS/ChangeAvailability", {
          method: "POST",
          body: { connectorId: 0, type: "Operative" },
          as: "operator",
        });
        assertEquals(fine.status, 200, JSON.stringify(fine.body));
        assertEquals(received, ["ChangeAvailability"]);
      } finally {
        await closeStation(station);
      }
    });
  });
}

/** OCPP 2.0.1's: its EVSE and connector ids, nested ones too (`evse.id`), and its ids and retries. */
const OUT_OF_RANGE_201: [string, Record<string, unknown>, string][] = [
  ["UnlockConnector", { evseId: 0, connectorId: 1 }, "evseId"],
  ["UnlockConnector", { evseId: 1, connectorId: 0 }, "connectorId"],
  ["RequestStartTransaction", { evseId: 0, remoteStartId: 5, idToken: TOKEN_201 }, "evseId"],
  ["TriggerMessage", { requestedMessage: "StatusNotification", evse: { id: -1 } }, "evse.id"],
  [
    "ChangeAvailability",
    { operationalStatus: "Inoperative", evse: { id: 1, connectorId: 0 } },
    "evse.connectorId",
  ],
  ["GetCompositeSchedule", { evseId: -1, duration: 60 }, "evseId"],
  ["ClearChargingProfile", { chargingProfileCriteria: { evseId: -2 } }, "chargingProfileCriteria.evseId"],
  ["GetLog", {
    logType: "DiagnosticsLog",
    requestId: 1,
    log: { remoteLocation: "https://example.com/up" },
    retries: -1,
  }, "retries"],
  ["CancelReservation", { reservationId: -4 }, "reservationId"],
  ["Reset", { type: "OnIdle", evseId: -1 }, "evseId"],
];

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 2.0.1 command or job with an EVSE, connector or id no station can act on is 400 and never sent`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation201(server.wsUrl, "CP-BOUNDS201");
      const received: string[] = [];
      for (const [action, { answer }] of Object.entries(COMMAND_SAMPLES_201)) {
        station.handle(action, () => (received.push(action), answer));
      }
      try {
        for (const [action, body, field] of OUT_OF_RANGE_201) {
          const res = await server.json(`/api/v1/charge-points/CP-BOUNDS201/${action}`, {
            method: "POST",
            body,
            as: "operator",
          });
          const what = `${action} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`;
          assertEquals([res.status, res.body.details?.field], [400, field], what);
        }
        // An admin's SetNetworkProfile: its slot and its message timeout.
        const profile = (configurationSlot: number, messageTimeout: number) => ({
          configurationSlot,
          connectionData: {
            ocppVersion: "OCPP20",
            ocppTransport: "JSON",
            ocppCsmsUrl: "wss://csms.example.com/ocpp",
            messageTimeout,
            securityProfile: 1,
            ocppInterface: "Wired0",
          },
        });
        for (
          const [body, field] of [
            [profile(-1, 30), "configurationSlot"],
            [profile(2, -5), "connectionData.messageTimeout"],
          ] as const
        ) {
          const res = await server.json("/api/v1/charge-points/CP-BOUNDS201/SetNetworkProfile", {
            method: "POST",
            body,
          });
          assertEquals([res.status, res.body.details?.field], [400, field], JSON.stringify(res.body));
        }
        const job = await server.json("/api/v1/jobs", {
          method: "POST",
          body: {
            action: "TriggerMessage",
            payload: { requestedMessage: "Heartbeat", evse: { id: -1 } },
            chargePointIds: ["CP-BOUNDS201"],
          },
          as: "operator",
        });
        assertEquals(
          [job.status, job.body.details?.field],
          [400, "payload.evse.id"],
          JSON.stringify(job.body),
        );
        assertEquals(received, [], "the station received a command");
        const fine = await server.json("/api/v1/charge-points/CP-BOUNDS201/UnlockConnector", {
          method: "POST",
          body: { evseId: 1, connectorId: 1 },
          as: "operator",
        });
        assertEquals(fine.status, 200, JSON.stringify(fine.body));
        assertEquals(received, ["UnlockConnector"]);
      } finally {
        await closeStation(station);
      }
    });
  });
}
