import { dateTimeMillis, isCanonicalUtc, isRepresentable } from "./formats.ts";

/** Already canonical (what most stations send): checked by a round trip, no capture groups. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Station timestamps to our canonical form: ISO 8601 UTC with milliseconds. Accepts every date-time our
 * schemas accept (RFC 3339 with "T", "t" or a space, any fraction, "Z"/"z" or "+hh:mm", "+hhmm", "+hh" offsets,
 * and no offset at all, read as UTC per OCPP 1.6 §3.15), which `Date.parse` does not all understand. Throws
 * a RangeError for anything else, and for an instant outside the years 0001-9999 (`isDateTime` refuses those,
 * and offsets past 23:59).
 *
 * @example
 * ```ts
 * toUtcIso("2024-05-01 14:00:00.123456+02"); // "2024-05-01T12:00:00.123Z"
 * ```
 */
export function toUtcIso(value: string): string {
  // A valid date in the canonical form is its own canonical form: no Date round trip.
  if (isCanonicalUtc(value)) return value;
  if (value.length === 24 && CANONICAL.test(value)) {
    const time = Date.parse(value);
    // A day or month out of range (2024-02-30) does not survive the round trip: the general path decides.
    if (isRepresentable(time) && new Date(time).toISOString() === value) return value;
  }
  const time = dateTimeMillis(value);
  // Never "+010000-..." or "0000-...": what no schema, store or station reads back as a date-time.
  if (!isRepresentable(time)) throw new RangeError(`Not a date-time: ${JSON.stringify(value)}`);
  return new Date(time).toISOString();
}

/** The last instant `isoString` converted, and its text. */
let lastMs = Number.NaN;
let lastIso = "";

/**
 * `date.toISOString()`, remembering the last conversion: a CALL converts the instant it was received 2-3 times
 * (lastSeen, the handler's times, the answer), and frames received in the same millisecond share it;
 * `toISOString` costs more than a whole small CALL's decoding. An invalid date throws as `toISOString` does.
 *
 * @example
 * ```ts
 * isoString(new Date(0)); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function isoString(date: Date): string {
  const ms = date.getTime();
  if (ms === lastMs) return lastIso;
  const iso = date.toISOString();
  lastMs = ms;
  lastIso = iso;
  return iso;
}
