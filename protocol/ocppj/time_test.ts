import { assertEquals, assertThrows } from "@std/assert";
import { toUtcIso } from "./time.ts";

Deno.test("toUtcIso() normalises every date-time form the schemas accept", () => {
  const cases: Array<[string, string]> = [
    ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01t12:00:00z", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T12:00:00.5Z", "2024-05-01T12:00:00.500Z"],
    ["2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.123Z"],
    ["2024-05-01 14:00:00+02:00", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T14:30:00+0230", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T10:00:00-02", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T12:00:00", "2024-05-01T12:00:00.000Z"],
  ];
  for (const [input, expected] of cases) assertEquals(toUtcIso(input), expected, input);
});

Deno.test("toUtcIso() refuses what is not a date-time", () => {
  assertThrows(() => toUtcIso("yesterday"), RangeError, "Not a date-time");
});

Deno.test("toUtcIso() keeps a canonical time as it is and normalises an out-of-range day as before", () => {
  assertEquals(toUtcIso("2024-05-01T12:00:00.123Z"), "2024-05-01T12:00:00.123Z");
  assertEquals(toUtcIso("2024-02-30T00:00:00.000Z"), "2024-03-01T00:00:00.000Z");
  assertEquals(toUtcIso("2024-02-30T00:00:00Z"), "2024-03-01T00:00:00.000Z");
});
