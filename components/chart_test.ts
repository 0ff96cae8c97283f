import { assertEquals } from "@std/assert";
import { meterSeries, ticks } from "./chart.tsx";
import type { MeterValue } from "./types.ts";

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

Deno.test("ticks() are round numbers covering the range", () => {
  assertEquals(ticks(0, 1), [0, 0.25, 0.5, 0.75, 1]);
  assertEquals(ticks(0, 7.6), [0, 2, 4, 6]);
  assertEquals(ticks(5, 5), [5]);
});
