import { assertEquals } from "@std/assert";
import { currentRow as row } from "../tests/helpers/meter_rows.ts";
import { latestCurrent } from "./measurements.ts";

const T1 = "2025-03-01T12:00:00.000Z";
const T2 = "2025-03-01T12:01:00.000Z";
const SESSION = { connectorId: 1, transactionId: 7 };

Deno.test("latestCurrent() takes the newest sample's largest phase", () => {
  const rows = [
    row(T1, "30"),
    row(T2, "12.5", { phase: "L1" }),
    row(T2, "14", { phase: "L2" }),
    row(T2, "13", { phase: "L3" }),
  ];
  assertEquals(latestCurrent(rows, SESSION), { currentA: 14, at: T2 });
});

Deno.test("latestCurrent() ignores other connectors, transactions, measurands, the neutral and the inlet", () => {
  const rows = [
    row(T1, "10"),
    row(T2, "20", { connectorId: 2 }),
    row(T2, "21", { transactionId: 8 }),
    row(T2, "22", { measurand: "Power.Active.Import", unit: "W" }),
    row(T2, "23", { phase: "N" }),
    row(T2, "24", { location: "Inlet" }),
    row(T2, "x"),
  ];
  assertEquals(latestCurrent(rows, SESSION), { currentA: 10, at: T1 });
  assertEquals(latestCurrent([], SESSION), null);
});

Deno.test("latestCurrent() reads a current sent without a unit (stored with the spec's default)", () => {
  assertEquals(latestCurrent([row(T1, "9", { unit: "Wh", transactionId: null })], SESSION), {
    currentA: 9,
    at: T1,
  });
});
