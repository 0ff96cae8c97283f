/**
 * One JSON text parameter for a whole batch of rows, unpacked by PostgreSQL (`json_to_recordset`,
 * `jsonb_to_recordset`): one string built by `JSON.stringify` instead of one array parameter per column, each
 * of whose elements postgres.js serializes and escapes on its own.
 */

/** A lone surrogate, which JSON.stringify writes as an escape and PostgreSQL's JSON parser refuses. */
const LONE_SURROGATE = /\\u[dD][89a-fA-F]/;

/**
 * The value as one JSON text PostgreSQL accepts. A string with a lone surrogate (valid JSON from a station, not
 * valid Unicode) gets U+FFFD in its place, as the UTF-8 encoding of a text parameter would give.
 *
 * @example
 * ```ts
 * import { jsonParam } from "./json_param.ts";
 *
 * console.log(jsonParam([{ idTag: "A\uD800" }])); // [{"idTag":"A\uFFFD"}], the replacement character
 * ```
 */
export function jsonParam(value: unknown): string {
  const json = JSON.stringify(value);
  // `includes` first: a plain scan, many times cheaper than the pattern over a batch's ~100 KB.
  if (!json.includes("\\u") || !LONE_SURROGATE.test(json)) return json;
  return JSON.stringify(value, (_, v) => typeof v === "string" ? v.toWellFormed() : v);
}
