import { assertEquals } from "@std/assert";
import type { MeterValue } from "../components/types.ts";
import { latestRegisterWh, mergeReadings, meterSeries, readingsOf, seriesOf } from "./meter_series.ts";

const T0 = Date.parse("2026-11-25T10:00:00.000Z");

function row(minute: number, value: string, extra: Partial<MeterValue> = {}): MeterValue {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 1,
    timestamp: new Date(T0 + minute * 60_000).toISOString(),
    value,
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt: new Date(T0).toISOString(),
    ...extra,
  };
}

Deno.test("meterSeries() gives kWh since meterStart and measured kW, in time order", () => {
  const s = meterSeries([
    row(2, "1.3", { unit: "kWh" }),
    row(1, "1100"),
    row(1, "7200", { measurand: "Power.Active.Import", unit: "W" }),
    row(2, "7.5", { measurand: "Power.Active.Import", unit: "kW" }),
  ], 1000);
  assertEquals(s.energy.map((p) => p.v), [0.1, 0.3]);
  assertEquals(s.power.map((p) => p.v), [7.2, 7.5]);
  assertEquals(s.powerMeasured, true);
});

Deno.test("meterSeries() derives power from energy deltas when none was sampled", () => {
  const s = meterSeries([row(0, "1000"), row(1, "1120"), row(3, "1360")], 1000);
  assertEquals(s.power.map((p) => Number(p.v.toFixed(3))), [7.2, 7.2]);
  assertEquals(s.powerMeasured, false);
});

Deno.test("meterSeries() prefers the total over phases, sums phases without a total, skips signed data", () => {
  const s = meterSeries([
    row(1, "1300"),
    row(1, "100", { phase: "L1" }),
    row(2, "200", { phase: "L1" }),
    row(2, "250", { phase: "L2" }),
    row(3, "abc"),
    row(4, "9999", { format: "SignedData" }),
  ], 0);
  assertEquals(s.energy.map((p) => p.v), [1.3, 0.45]);
});

Deno.test("mergeReadings() appends new readings in time order; a repeated timestamp takes the newer value", () => {
  const first = readingsOf([row(0, "1000"), row(1, "1120")]);
  const next = readingsOf([
    row(1, "1125"),
    row(2, "1240"),
    row(2, "7000", { measurand: "Power.Active.Import" }),
  ]);
  const merged = mergeReadings(first, next);
  assertEquals(merged.energy.map((p) => p.v), [1000, 1125, 1240]);
  assertEquals(merged.power.map((p) => p.v), [7000]);
  assertEquals(seriesOf(merged, 1000).energy.map((p) => p.v), [0, 0.125, 0.24]);
});

Deno.test("latestRegisterWh() is the newest register of the session, phases summed, other sessions ignored", () => {
  const rows = [
    row(2, "500", { phase: "L1" }),
    row(2, "600", { phase: "L2" }),
    row(1, "900"),
    row(3, "99999", { transactionId: 2 }),
  ];
  assertEquals(latestRegisterWh(rows, 1), 1100);
  assertEquals(latestRegisterWh(rows, 3), null);
});

Deno.test("readingsOf() counts a phase sent as L1 and L1-N once and leaves out the neutral", () => {
  const { energy } = readingsOf([
    row(1, "600", { phase: "L1" }),
    row(1, "600", { phase: "L1-N" }),
    row(1, "0.7", { phase: "L2", unit: "kWh" }),
    row(1, "700", { phase: "L3" }),
    row(1, "50", { phase: "N" }),
    row(2, "50", { phase: "N" }),
  ]);
  assertEquals(energy.map((p) => p.v), [2000]);
});

Deno.test("readingsOf() follows the outlet's meter when a station also reports its inlet, else the one it has", () => {
  const both = readingsOf([
    row(1, "5000", { location: "Inlet" }),
    row(1, "4800"),
    row(2, "5600", { location: "Inlet" }),
    row(2, "5300"),
  ]);
  assertEquals(both.energy.map((p) => p.v), [4800, 5300]);
  // Per phase at the inlet beside a total at the outlet: the outlet's total, not the sum of all.
  const phases = readingsOf([
    row(1, "1000", { location: "Inlet", phase: "L1" }),
    row(1, "1000", { location: "Inlet", phase: "L2" }),
    row(1, "2900"),
  ]);
  assertEquals(phases.energy.map((p) => p.v), [2900]);
  const inletOnly = readingsOf([
    row(1, "5000", { location: "Inlet" }),
    row(2, "5600", { location: "Inlet" }),
  ]);
  assertEquals(inletOnly.energy.map((p) => p.v), [5000, 5600]);
  assertEquals(latestRegisterWh([row(1, "4800"), row(1, "9999", { location: "Inlet" })], 1), 4800);
});
