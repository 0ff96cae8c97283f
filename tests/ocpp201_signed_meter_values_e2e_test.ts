/**
 * OCPP 2.0.1 signed meter values (a sampled value with `signedMeterValue`, e.g. an OCMF record for the
 * German calibration law): the station sends the reading as a number and its signed record beside it. Both
 * must be kept, the reading usable like any other (the session's energy, its chart) and the signed record
 * as sent, for a transparency tool to verify. Driven by npm `ocpp-rpc` in strict mode, on both stores.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const at = (minute: number) => `2026-11-25T10:${String(minute).padStart(2, "0")}:00.000Z`;

function signed(minute: number, wh: number) {
  return {
    signedMeterData: `OCMF|{"RD":[{"TM":"${at(minute)}","RV":${
      wh / 1000
    },"RU":"kWh"}]}|{"SD":"3045${minute}"}`,
    signingMethod: "ECDSA-secp256r1-SHA256",
    encodingMethod: "OCMF",
    publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
  };
}

function reading(minute: number, wh: number, context: string) {
  return [{
    timestamp: at(minute),
    sampledValue: [{
      value: wh,
      context,
      measurand: "Energy.Active.Import.Register",
      unitOfMeasure: { unit: "Wh" },
      signedMeterValue: signed(minute, wh),
    }],
  }];
}

const ignorePostgres = await ignoreWithoutPostgres("signed 2.0.1 meter values on PostgreSQL");

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `a signed 2.0.1 reading counts as energy and its signed record is kept as sent (${kind})`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const station = await connectStation201(server.wsUrl, "CP-OCMF");
        try {
          await station.call("TransactionEvent", {
            eventType: "Started",
            seqNo: 0,
            timestamp: at(0),
            triggerReason: "CablePluggedIn",
            transactionInfo: { transactionId: "ocmf-1" },
            evse: { id: 1, connectorId: 1 },
            meterValue: reading(0, 1_000, "Transaction.Begin"),
          });
          await station.call("TransactionEvent", {
            eventType: "Updated",
            seqNo: 1,
            timestamp: at(5),
            triggerReason: "MeterValuePeriodic",
            transactionInfo: { transactionId: "ocmf-1" },
            meterValue: reading(5, 4_000, "Sample.Periodic"),
          });
          const tx = (await server.json("/api/v1/transactions?chargePointId=CP-OCMF", { as: "viewer" }))
            .body.items[0];
          // The running session's energy, as the transactions page shows it, reads the signed reading.
          const energy = await server.json(`/api/v1/transactions/energy?ids=${tx.transactionId}`, {
            as: "viewer",
          });
          assertEquals(energy.body.items, [{
            transactionId: tx.transactionId,
            status: "active",
            energyWh: 3_000,
          }]);
          const rows = (await server.json(`/api/v1/transactions/${tx.transactionId}/meter-values`, {
            as: "viewer",
          })).body.items as { timestamp: string; value: string; format: string; context: string }[];
          const byTime = (minute: number) =>
            rows.filter((r) => r.timestamp === at(minute))
              .map((r) => [r.format, r.format === "SignedData" ? JSON.parse(r.value) : r.value, r.context])
              .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
          assertEquals(byTime(0), [
            ["Raw", "1000", "Transaction.Begin"],
            ["SignedData", signed(0, 1_000), "Transaction.Begin"],
          ]);
          assertEquals(byTime(5), [
            ["Raw", "4000", "Sample.Periodic"],
            ["SignedData", signed(5, 4_000), "Sample.Periodic"],
          ]);
        } finally {
          await closeStation(station);
        }
      }),
  });
}
