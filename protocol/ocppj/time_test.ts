import { assertEquals, assertThrows } from "@std/assert";
import { isoString, toUtcIso } from "./time.ts";

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

Deno.test("isoString() gives toISOString()'s text for every instant, repeated or not", () => {
  const times = [0, 0, 1, 1_714_564_800_123, 1_714_564_800_123, 1_714_564_800_124, -1, 8.64e15, 0];
  for (const ms of times) assertEquals(isoString(new Date(ms)), new Date(ms).toISOString(), String(ms));
  assertThrows(() => isoString(new Date(Number.NaN)), RangeError);
  assertThrows(() => isoString(new Date(Number.NaN)), RangeError);
});

Deno.test("isoString() converts an instant once while it is the last one asked for", () => {
  const original = Date.prototype.toISOString;
  let conversions = 0;
  Date.prototype.toISOString = function (this: Date) {
    conversions++;
    return original.call(this);
  };
  try {
    isoString(new Date(1_700_000_000_000));
    const before = conversions;
    // Another Date object of the same millisecond, as each frame has its own.
    assertEquals(isoString(new Date(1_700_000_000_000)), "2023-11-14T22:13:20.000Z");
    assertEquals(isoString(new Date(1_700_000_000_000)), "2023-11-14T22:13:20.000Z");
    assertEquals(conversions, before);
    isoString(new Date(1_700_000_000_001));
    assertEquals(conversions, before + 1);
  } finally {
    Date.prototype.toISOString = original;
  }
});

Deno.test("toUtcIso() reads the years 0001-0099 as written and refuses an instant outside 0001-9999", () => {
  // Date.UTC would have read year 50 as 1950.
  assertEquals(toUtcIso("0050-06-01T12:00:00+01:00"), "0050-06-01T11:00:00.000Z");
  assertEquals(toUtcIso("0000-12-31T23:00:00-02:00"), "0001-01-01T01:00:00.000Z");
  assertEquals(toUtcIso("9999-12-31T23:59:59.999Z"), "9999-12-31T23:59:59.999Z");
  // Never "+010000-01-01T00:00:00.000Z" (which a second call then refused, inside an actor) nor year 0.
  for (const value of ["9999-12-31T23:59:60Z", "9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00.000Z"]) {
    assertThrows(() => toUtcIso(value), RangeError, `Not a date-time: ${JSON.stringify(value)}`);
  }
});
