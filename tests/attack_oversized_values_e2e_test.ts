/**
 * Values a station may send that the official schemas allow but no store can keep: integers beyond OCPP's 32
 * bits (PostgreSQL's `integer` columns refused them, so the station got InternalError on every retry; KV
 * stored them), meter registers beyond 2^53, a reading of 70 KB (a Deno KV value holds 64 KiB), and a hundred
 * connectors with the longest texts OCPP allows (the station's KV record grew past 64 KiB, and then every
 * later message of the station failed). A raw station sends each on both stores: the out-of-range ones are
 * refused with PropertyConstraintViolation naming the field, the rest are stored, and the station goes on
 * working (Heartbeat, a transaction started and stopped with its energy).
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import type { ApiTestServer } from "./helpers/api.ts";
import { openRaw, rawCall, type RawSocket } from "./helpers/station.ts";

const T0 = "2026-12-05T08:00:00.000Z";
const EMOJI = "😀";

async function assertRefused(socket: RawSocket, action: string, payload: unknown, field: string) {
  const reply = await rawCall(socket, action, payload);
  assertEquals(reply[0], 4, `${action} ${field}: ${JSON.stringify(reply).slice(0, 300)}`);
  assertEquals(reply[2], "PropertyConstraintViolation", JSON.stringify(reply).slice(0, 300));
  assertEquals((reply[4] as { field?: string }).field, field);
}

async function assertAnswered(socket: RawSocket, action: string, payload: unknown) {
  const reply = await rawCall(socket, action, payload);
  assertEquals(reply[0], 3, `${action}: ${JSON.stringify(reply).slice(0, 300)}`);
  return reply[2] as Record<string, unknown>;
}

function status(connectorId: number, extra: Record<string, unknown> = {}) {
  return { connectorId, status: "Available", errorCode: "NoError", timestamp: T0, ...extra };
}

/** Connectors 0..100 reported, each Faulted (0: Available) with these free texts. */
async function reportHundredConnectors(
  socket: RawSocket,
  info: string,
  vendorId: string,
  vendorErrorCode: string,
) {
  for (let connectorId = 0; connectorId <= 100; connectorId++) {
    await assertAnswered(
      socket,
      "StatusNotification",
      status(connectorId, {
        status: connectorId === 0 ? "Available" : "Faulted",
        errorCode: "OtherError",
        info,
        vendorId,
        vendorErrorCode,
      }),
    );
  }
}

/** A session on connector 1 still starts, stops and is stored with its energy. */
async function stillWorks(server: ApiTestServer, socket: RawSocket, id: string, meterStart: number) {
  await assertAnswered(socket, "Heartbeat", {});
  const started = await assertAnswered(socket, "StartTransaction", {
    connectorId: 1,
    idTag: "TAG-1",
    meterStart,
    timestamp: T0,
  });
  const transactionId = started.transactionId as number;
  await assertAnswered(socket, "StopTransaction", {
    transactionId,
    meterStop: meterStart + 1500,
    timestamp: "2026-12-05T09:00:00.000Z",
  });
  const read = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
  assertEquals(read.status, 200);
  assertEquals([read.body.chargePointId, read.body.status, read.body.energyWh], [id, "finished", 1500]);
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: integers beyond 32 bits and registers beyond 2^53 are refused, naming the field`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-BIG`);
      try {
        await assertAnswered(socket, "BootNotification", {
          chargePointVendor: "Acme",
          chargePointModel: "X",
        });
        await assertRefused(socket, "StatusNotification", status(2 ** 31), "connectorId");
        await assertRefused(socket, "StatusNotification", status(101), "connectorId");
        const start = { connectorId: 1, idTag: "TAG-1", meterStart: 0, timestamp: T0 };
        await assertRefused(
          socket,
          "StartTransaction",
          { ...start, reservationId: 2 ** 31 },
          "reservationId",
        );
        await assertRefused(socket, "StartTransaction", { ...start, meterStart: 1e19 }, "meterStart");
        // An offset past RFC 3339's 23:59 (read as given, "+99:99" would put the start days off).
        for (const offset of ["+99:99", "+24:00", "-12:60"]) {
          await assertRefused(
            socket,
            "StartTransaction",
            { ...start, timestamp: `2026-12-05T08:00:00${offset}` },
            "timestamp",
          );
        }
        await assertRefused(socket, "MeterValues", {
          connectorId: 1,
          transactionId: 9223372036854775807,
          meterValue: [{ timestamp: T0, sampledValue: [{ value: "1" }] }],
        }, "transactionId");

        const started = await assertAnswered(socket, "StartTransaction", start);
        const transactionId = started.transactionId as number;
        const stop = { transactionId, meterStop: 2000, timestamp: "2026-12-05T08:30:00.000Z" };
        await assertRefused(socket, "StopTransaction", { ...stop, meterStop: 1e19 }, "meterStop");
        await assertRefused(socket, "StopTransaction", { ...stop, transactionId: 1e300 }, "transactionId");
        // The station's corrected retry is stored as any stop is.
        await assertAnswered(socket, "StopTransaction", stop);
        const read = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
        assertEquals([read.body.status, read.body.energyWh], ["finished", 2000]);

        // A register past 32 bits (a busy meter's lifetime reading in Wh) is a meter reading like any other.
        await stillWorks(server, socket, "CP-BIG", 2 ** 40);
        const station = await server.json("/api/v1/charge-points/CP-BIG", { as: "viewer" });
        assertEquals(station.status, 200);
        const connectorIds = (station.body.connectors as { connectorId: number }[]).map((c) => c.connectorId);
        assert(connectorIds.every((c) => c <= 100), `stored connectors: ${connectorIds}`);
      } finally {
        await socket.close();
      }
    });
  });

  Deno.test(`${kind}: a 70 KB reading is refused; a hundred connectors with the longest texts are kept`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-WIDE`);
      try {
        await assertAnswered(socket, "BootNotification", {
          chargePointVendor: "Acme",
          chargePointModel: "X",
        });
        const huge = [{ timestamp: T0, sampledValue: [{ value: "1" }, { value: "x".repeat(70_000) }] }];
        await assertRefused(
          socket,
          "MeterValues",
          { connectorId: 1, meterValue: huge },
          "meterValue.0.sampledValue.1.value",
        );
        // A signed reading of a few KB (OCMF and the like) is stored.
        const signed = "S".repeat(4000);
        await assertAnswered(socket, "MeterValues", {
          connectorId: 1,
          meterValue: [{ timestamp: T0, sampledValue: [{ value: signed, format: "SignedData" }] }],
        });

        const started = await assertAnswered(socket, "StartTransaction", {
          connectorId: 1,
          idTag: "TAG-1",
          meterStart: 0,
          timestamp: T0,
        });
        const transactionId = started.transactionId as number;
        await assertRefused(socket, "StopTransaction", {
          transactionId,
          meterStop: 100,
          timestamp: "2026-12-05T08:10:00.000Z",
          transactionData: huge,
        }, "transactionData.0.sampledValue.1.value");
        await assertAnswered(socket, "StopTransaction", {
          transactionId,
          meterStop: 100,
          timestamp: "2026-12-05T08:10:00.000Z",
        });

        // Connectors 0..100, each with the longest info, vendorId and vendorErrorCode OCPP allows, in
        // characters that take four bytes each.
        await reportHundredConnectors(socket, EMOJI.repeat(50), EMOJI.repeat(255), EMOJI.repeat(50));
        await stillWorks(server, socket, "CP-WIDE", 5000);
        const station = await server.json("/api/v1/charge-points/CP-WIDE", { as: "viewer" });
        assertEquals(station.status, 200);
        assertEquals(station.body.connectors.length, 101);
        // The texts are in the status history whatever the record keeps.
        const history = await server.json("/api/v1/charge-points/CP-WIDE/status-history?limit=5", {
          as: "viewer",
        });
        assertEquals(history.status, 200);
        assertEquals(history.body.items[0].vendorId, EMOJI.repeat(255));

        // ASCII texts with one CJK character each: V8 stores them two bytes a character, so the record is
        // twice its UTF-8 estimate (KV refused it, and with it every later write of the station).
        const other = await openRaw(`${server.wsUrl}/CP-WIDE2`);
        try {
          await assertAnswered(other, "BootNotification", {
            chargePointVendor: "Acme",
            chargePointModel: "X",
          });
          const text = (length: number) => `${"x".repeat(length - 1)}電`;
          await reportHundredConnectors(other, text(50), text(160), text(50));
          await stillWorks(server, other, "CP-WIDE2", 5000);
        } finally {
          await other.close();
        }
      } finally {
        await socket.close();
      }
    });
  });
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: OCPP 2.0.1 ids beyond bounds are refused; a register no meter gives is not energy`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-201-BIG`, ["ocpp2.0.1"]);
      try {
        await assertAnswered(socket, "BootNotification", {
          chargingStation: { model: "X", vendorName: "Acme" },
          reason: "PowerUp",
        });
        const evse = (evseId: number, connectorId: number) => ({
          timestamp: T0,
          connectorStatus: "Available",
          evseId,
          connectorId,
        });
        await assertRefused(socket, "StatusNotification", evse(2 ** 31, 1), "evseId");
        await assertRefused(socket, "StatusNotification", evse(101, 1), "evseId");
        for (let e = 1; e <= 10; e++) {
          for (let c = 1; c <= 10; c++) await assertAnswered(socket, "StatusNotification", evse(e, c));
        }
        // A hundred connectors kept: the next new one is refused, a known one still reports.
        await assertRefused(socket, "StatusNotification", evse(11, 1), "connectorId");
        await assertAnswered(socket, "StatusNotification", { ...evse(10, 10), connectorStatus: "Faulted" });

        const event = (eventType: string, seqNo: number, value: number, context: string) => ({
          eventType,
          timestamp: T0,
          triggerReason: eventType === "Ended" ? "StopAuthorized" : "Authorized",
          seqNo,
          transactionInfo: { transactionId: "TX-BIG" },
          evse: { id: 1, connectorId: 1 },
          meterValue: [{ timestamp: T0, sampledValue: [{ value, context }] }],
        });
        await assertRefused(
          socket,
          "TransactionEvent",
          event("Started", 2 ** 31, 1000, "Transaction.Begin"),
          "seqNo",
        );
        await assertRefused(
          socket,
          "TransactionEvent",
          { ...event("Started", 0, 1000, "Transaction.Begin"), evse: { id: 101 } },
          "evse.id",
        );
        await assertAnswered(socket, "TransactionEvent", event("Started", 0, 1000, "Transaction.Begin"));
        await assertAnswered(socket, "TransactionEvent", event("Ended", 1, 1e300, "Transaction.End"));
        const list = await server.json("/api/v1/transactions?chargePointId=CP-201-BIG", { as: "viewer" });
        assertEquals(list.status, 200);
        const [tx] = list.body.items;
        assertEquals([tx.status, tx.meterStart, tx.meterStop, tx.energyWh], ["finished", 1000, 1000, 0]);
        // Multipliers no number holds: the readings are kept as sent, in exponent form, never NaN or Infinity.
        await assertAnswered(socket, "MeterValues", {
          evseId: 1,
          meterValue: [{
            timestamp: T0,
            sampledValue: [
              {
                value: 0,
                measurand: "Power.Active.Import",
                unitOfMeasure: { unit: "W", multiplier: 2147483647 },
              },
              { value: 1e300, measurand: "Current.Import", unitOfMeasure: { unit: "A", multiplier: 10 } },
              { value: 5, measurand: "Voltage", unitOfMeasure: { unit: "V", multiplier: -400 } },
            ],
          }],
        });
        const readings = await server.json("/api/v1/charge-points/CP-201-BIG/meter-values?limit=3", {
          as: "viewer",
        });
        const byMeasurand = Object.fromEntries(
          (readings.body.items as { measurand: string; value: string }[]).map((r) => [r.measurand, r.value]),
        );
        assertEquals(byMeasurand, {
          "Power.Active.Import": "0",
          "Current.Import": "1e310",
          "Voltage": "5e-400",
        });
        // EVSE ids of the smart charging reports are bounded like every other.
        const limit = (evseId: number) => ({
          evseId,
          chargingLimit: { chargingLimitSource: "SO", isGridCritical: true },
        });
        await assertRefused(socket, "NotifyChargingLimit", limit(-1), "evseId");
        await assertRefused(socket, "NotifyChargingLimit", limit(2147483647), "evseId");
        await assertRefused(
          socket,
          "ClearedChargingLimit",
          { chargingLimitSource: "SO", evseId: -2 },
          "evseId",
        );
        await assertRefused(socket, "ReportChargingProfiles", {
          requestId: 1,
          chargingLimitSource: "CSO",
          evseId: -3,
          chargingProfile: [{
            id: 1,
            stackLevel: 0,
            chargingProfilePurpose: "TxDefaultProfile",
            chargingProfileKind: "Absolute",
            chargingSchedule: [{
              id: 1,
              chargingRateUnit: "W",
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 1 }],
            }],
          }],
        }, "evseId");
        await assertAnswered(socket, "NotifyChargingLimit", limit(1));
        await assertAnswered(socket, "Heartbeat", {});
      } finally {
        await socket.close();
      }
    });
  });
}
