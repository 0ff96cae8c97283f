import { assert, assertEquals } from "@std/assert";
import { isCanonicalUtc, isDateTime, isDateTimeInGeneral } from "./formats.ts";
import { toUtcIso } from "./time.ts";

/** Canonical-looking date-times around every edge the fast path decides on, valid and not. */
function corpus(): string[] {
  const out: string[] = [];
  const years = ["0000", "1900", "1999", "2000", "2023", "2024", "2100", "9999"];
  const months = ["00", "01", "02", "04", "09", "12", "13", "1a"];
  const days = ["00", "01", "28", "29", "30", "31", "32"];
  const clocks = ["00:00:00", "23:59:59", "23:59:60", "24:00:00", "12:60:00", "12:00:60", "1x:00:00"];
  const millis = ["000", "999", "12a"];
  for (const y of years) {
    for (const mo of months) {
      for (const d of days) {
        for (const clock of clocks) {
          for (const ms of millis) out.push(`${y}-${mo}-${d}T${clock}.${ms}Z`);
        }
      }
    }
  }
  out.push(
    "2024-05-01T12:00:00.000z", // lower-case zone
    "2024-05-01t12:00:00.000Z",
    "2024-05-01 12:00:00.000Z",
    "2024-05-01T12:00:00.0000", // 24 characters, not canonical
    "2024/05/01T12:00:00.000Z",
    "2024-05-01T12:00:00.000+", // 24 characters
    "+02024-05-01T12:00:00.00Z",
  );
  return out;
}

Deno.test("the canonical fast path gives isDateTime's general answer and toUtcIso's round-trip answer", () => {
  let fast = 0;
  for (const value of corpus()) {
    assertEquals(isDateTime(value), isDateTimeInGeneral(value), value);
    if (!isCanonicalUtc(value)) continue;
    fast++;
    // Where the fast path says yes, the general check agrees and a Date round trip keeps the text as it is.
    assert(isDateTimeInGeneral(value), value);
    assertEquals(new Date(Date.parse(value)).toISOString(), value);
    assertEquals(toUtcIso(value), value);
  }
  assert(fast > 500, `the corpus reaches the fast path (${fast} times)`);
  assertEquals(isCanonicalUtc("2024-02-29T23:59:59.999Z"), true);
  assertEquals(isCanonicalUtc("2023-02-29T12:00:00.000Z"), false);
  assertEquals(toUtcIso("2023-02-29T12:00:00.000Z"), "2023-03-01T12:00:00.000Z");
});

Deno.test("isDateTime() refuses a date-time whose instant falls outside the years 0001-9999", () => {
  for (const value of ["9999-12-31T23:59:60Z", "9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00Z"]) {
    assertEquals(isDateTime(value), false, value);
  }
  assertEquals(isCanonicalUtc("0000-06-01T00:00:00.000Z"), false);
  for (
    const value of ["9999-12-31T23:59:59.999Z", "9999-12-31T18:00:00-05:00", "0000-12-31T23:00:00-02:00"]
  ) {
    assertEquals(isDateTime(value), true, value);
  }
});

Deno.test("isDateTime() takes offsets from -23:59 to +23:59 only, as RFC 3339 writes them", () => {
  for (const offset of ["+00:00", "-23:59", "+2359", "+23", "-05"]) {
    assertEquals(isDateTime(`2024-05-01T12:00:00${offset}`), true, offset);
  }
  for (const offset of ["+24:00", "+99:99", "-12:60", "+2400", "+24", "-1260"]) {
    assertEquals(isDateTime(`2024-05-01T12:00:00${offset}`), false, offset);
  }
});
