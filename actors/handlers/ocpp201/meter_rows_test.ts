import { assertEquals } from "@std/assert";
import { energyReadings, toMeterRows201 } from "./meter_rows.ts";

const T = "2026-11-25T10:00:00.000Z";
const SIGNED = {
  signedMeterData: "OCMF|{}|{}",
  signingMethod: "ECDSA-secp256r1-SHA256",
  encodingMethod: "OCMF",
  publicKey: "MFkw",
};

Deno.test("toMeterRows201() keeps a signed value's reading as Raw and its signed record beside it", () => {
  const meterValue = [{
    timestamp: T,
    sampledValue: [
      { value: 4, unitOfMeasure: { unit: "kWh" }, signedMeterValue: SIGNED },
      { value: 16, measurand: "Current.Import" as const, phase: "L1" as const, unitOfMeasure: { unit: "A" } },
    ],
  }];
  const rows = toMeterRows201("CP-1", 1, 7, meterValue, T);
  assertEquals(rows.map((r) => [r.measurand, r.format, r.value, r.unit]), [
    ["Energy.Active.Import.Register", "Raw", "4", "kWh"],
    ["Energy.Active.Import.Register", "SignedData", JSON.stringify(SIGNED), "kWh"],
    ["Current.Import", "Raw", "16", "A"],
  ]);
  // The signed record does not count twice as energy: the reading is read from the sampled value itself.
  assertEquals(energyReadings(meterValue).latest, 4000);
});

Deno.test("energyReadings() sums a meter's phases per time and context, each in Wh first", () => {
  const phase = (p: "L1" | "L2" | "L3", value: number, context: "Transaction.Begin" | "Sample.Periodic") => ({
    value,
    phase: p,
    context,
    unitOfMeasure: { unit: context === "Transaction.Begin" ? "kWh" : "Wh" },
  });
  const readings = energyReadings([
    {
      timestamp: T,
      sampledValue: [phase("L1", 1, "Transaction.Begin"), phase("L2", 1.5, "Transaction.Begin")],
    },
    {
      timestamp: T,
      sampledValue: [phase("L1", 1200, "Sample.Periodic"), phase("L2", 1600, "Sample.Periodic")],
    },
  ]);
  assertEquals(readings, { begin: 2500, end: null, latest: 2800 });
});
