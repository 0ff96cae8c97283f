import { assertEquals } from "@std/assert";
import type { MeterValueRow } from "../model/meter_value.ts";
import { chartReadings, type MeterPage } from "./chart_readings.ts";

function row(minute: number, phase: string | null, value: number): MeterValueRow {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 7,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    value: String(value),
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase,
    location: "Outlet",
    unit: "Wh",
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, minute, 1)).toISOString(),
  };
}

/** `rows` served `size` at a time, cursors being the index of the next row. */
function pages(rows: MeterValueRow[], size: number) {
  const at = (from: number): MeterPage => ({
    items: rows.slice(from, from + size),
    nextCursor: from + size < rows.length ? String(from + size) : null,
  });
  return { first: at(0), readPage: (after: string) => Promise.resolve(at(Number(after))) };
}

Deno.test("chartReadings() reads every page and sums a frame's phases split across two pages", async () => {
  const rows = [row(0, "L1", 10), row(0, "L2", 10), row(1, "L1", 20), row(1, "L2", 20), row(1, "L3", 20)];
  const { first, readPage } = pages(rows, 3);
  const chart = await chartReadings(first, readPage);
  assertEquals(chart.readings.energy.map((p) => p.v), [20, 60]);
  assertEquals([chart.values, chart.complete, chart.cursor.since], [5, true, rows[4]!.receivedAt]);
});

Deno.test("chartReadings() thins a long session and stops at maxValues", async () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => row(i, null, i));
  const { first, readPage } = pages(rows, 500);
  const all = await chartReadings(first, readPage, 100_000, 100);
  assertEquals([all.readings.energy.length <= 100, all.readings.energy.at(-1)?.v, all.complete], [
    true,
    9999,
    true,
  ]);
  const capped = await chartReadings(first, readPage, 2_000, 100);
  assertEquals([capped.values, capped.complete], [2_000, false]);
});
