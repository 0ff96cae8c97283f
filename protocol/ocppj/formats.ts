/**
 * The string and number checks the official OCPP 1.6 JSON schemas ask for, written to give the same answers
 * as the reference validator (ajv 8 + ajv-formats 2 "full" formats, with ocpp-rpc's multipleOf override), so
 * that a payload a strict ocpp-rpc peer accepts is accepted here and vice versa. Pure functions, no zod.
 */

/**
 * Length in Unicode code points, as JSON Schema `maxLength` counts it (ajv's `ucs2length`): an emoji is one
 * character, not two UTF-16 units.
 */
export function codePointLength(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    length++;
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return length;
}

/** True when `value` has at most `max` characters; the fast path skips counting for short strings. */
export function fitsMaxLength(value: string, max: number): boolean {
  return value.length <= max || codePointLength(value) <= max;
}

const DATE = /^(\d\d\d\d)-(\d\d)-(\d\d)$/;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TIME = /^(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?$/i;
const DATE_TIME_SEPARATOR = /t|\s/i;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS[month] ?? 0;
  return month >= 1 && month <= 12 && day >= 1 && day <= maxDay;
}

function isTimeWithZone(value: string): boolean {
  const match = TIME.exec(value);
  if (!match) return false;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  const second = Number(match[3]);
  const validClock = (hour <= 23 && minute <= 59 && second <= 59) ||
    (hour === 23 && minute === 59 && second === 60);
  // RFC 3339's offset is 00:00-23:59 (ajv-formats 2.1.1 reads any digits: "+99:99" would be 4 days off).
  const zone = match[5];
  const validZone = zone === undefined || zone.length === 1 ||
    (Number(zone.slice(1, 3)) <= 23 && (zone.length === 3 || Number(zone.slice(-2)) <= 59));
  // Like ajv-formats 2.1.1 (what ocpp-rpc strict mode and many stacks use), a missing time zone is accepted:
  // real chargers send "2024-01-01T12:00:00", and refusing their StopTransaction would lose it. OCPP 1.6 §3.15
  // says times are UTC, so `toUtcIso()` reads such a time as UTC.
  return validClock && validZone;
}

/**
 * RFC 3339 §5.6 date-time as ajv-formats checks `format: "date-time"`: "T", "t" or a space between date and
 * time, seconds required, fraction optional, "Z"/"z" or a numeric offset ("+01:00", "+0100", "+01") within
 * 00:00-23:59 (ajv-formats does not check the offset's range).
 *
 * @example
 * ```ts
 * isDateTime("2024-05-01T12:00:00Z"); // true
 * isDateTime("2024-05-01T12:00:00"); // true: read as UTC
 * isDateTime("2024-05-01T12:00"); // false: seconds are required
 * ```
 */
export function isDateTime(value: string): boolean {
  // What nearly every station sends, checked without a split and two regular expressions.
  return isCanonicalUtc(value) || isDateTimeInGeneral(value);
}

/** `isDateTime` without its fast path (exported for the test that holds the two to the same answers). */
export function isDateTimeInGeneral(value: string): boolean {
  const parts = value.split(DATE_TIME_SEPARATOR);
  if (parts.length !== 2 || !isDate(parts[0] ?? "") || !isTimeWithZone(parts[1] ?? "")) return false;
  // Only at the ends of the four-digit years can an offset or a leap second carry the instant out of them.
  const year = value.slice(0, 4);
  return (year > "0001" && year < "9999") || isRepresentable(dateTimeMillis(value));
}

/**
 * The instants a date-time may name: those ISO 8601 writes with a four-digit year and PostgreSQL stores (it has
 * no year 0). ajv's format check would pass "9999-12-31T23:59:60Z" or "0000-01-01T00:00:00Z"; their instants
 * are not representable, so they are refused like any other malformed date-time, never crash later.
 */
export const MIN_DATE_TIME_MS = -62135596800000; // 0001-01-01T00:00:00.000Z
export const MAX_DATE_TIME_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

export function isRepresentable(ms: number): boolean {
  return ms >= MIN_DATE_TIME_MS && ms <= MAX_DATE_TIME_MS;
}

const DATE_TIME_PARTS =
  /^(\d{4})-(\d\d)-(\d\d)[Tt\s](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|([+-])(\d\d)(?::?(\d\d))?)?$/;

/**
 * The instant (ms since the epoch) a date-time names, NaN when it does not parse; one without an offset is UTC
 * (OCPP 1.6 §3.15). Fields are not range-checked here (`isDateTime` does that): 23:59:60 is the next minute.
 *
 * @example
 * ```ts
 * dateTimeMillis("1970-01-01T01:00:00+01:00"); // 0
 * ```
 */
export function dateTimeMillis(value: string): number {
  const m = DATE_TIME_PARTS.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, fraction = "", , sign, offH = "0", offM = "0"] = m;
  const date = new Date(0);
  // Not Date.UTC: it reads the years 0-99 as 1900-1999.
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, "0").slice(0, 3)));
  const offsetMinutes = sign ? (sign === "-" ? -1 : 1) * (Number(offH) * 60 + Number(offM)) : 0;
  return date.getTime() - offsetMinutes * 60_000;
}

/**
 * True for a valid date-time in the canonical form `YYYY-MM-DDTHH:MM:SS.mmmZ` (what `toISOString` writes):
 * the date exists, the clock is within 00:00:00-23:59:59. False says nothing: other forms may still be valid.
 */
export function isCanonicalUtc(value: string): boolean {
  if (value.length !== 24) return false;
  // "-", "-", "T", ":", ":", ".", "Z" where the canonical form has them.
  if (
    value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84 ||
    value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58 || value.charCodeAt(19) !== 46 ||
    value.charCodeAt(23) !== 90
  ) {
    return false;
  }
  const year = digits(value, 0, 4), month = digits(value, 5, 2), day = digits(value, 8, 2);
  const hour = digits(value, 11, 2), minute = digits(value, 14, 2), second = digits(value, 17, 2);
  const millis = digits(value, 20, 3);
  if (year < 1 || millis < 0 || month < 1 || month > 12 || day < 1) return false;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS[month]!;
  return day <= maxDay && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 &&
    second <= 59;
}

/**
 * The number written by `length` decimal digits of `value` from `i`, or -1 when one is not a digit. A module
 * function, not a closure per call: date-times are checked in every meter value.
 */
function digits(value: string, i: number, length: number): number {
  let v = 0;
  for (let k = i; k < i + length; k++) {
    const d = value.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

// RFC 3986 URI, copied from ajv-formats 2.1.1 (MIT, https://github.com/ajv-validator/ajv-formats), which took
// it from http://jmrware.com/articles/2009/uri_regexp/URI_regex.html.
const NOT_URI_FRAGMENT = /\/|:/;
const URI =
  /^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$/i;

/**
 * RFC 3986 absolute URI as ajv-formats checks `format: "uri"` (GetDiagnostics and UpdateFirmware `location`).
 *
 * @example
 * ```ts
 * isUri("ftp://user:secret@example.com/diagnostics"); // true
 * isUri("example.com/diagnostics"); // false: no scheme
 * ```
 */
export function isUri(value: string): boolean {
  return NOT_URI_FRAGMENT.test(value) && URI.test(value);
}

/**
 * `multipleOf` as ocpp-rpc checks it (it replaces ajv's exact check with this epsilon test, so 0.3 is a
 * multiple of 0.1 despite floating point).
 *
 * @example
 * ```ts
 * isMultipleOf(16.3, 0.1); // true
 * isMultipleOf(16.35, 0.1); // false
 * ```
 */
export function isMultipleOf(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(Math.round(ratio) - ratio) < 1e-6;
}
