/**
 * Keeping a value within one Deno KV value (64 KiB serialized): a write KV refuses fails its whole commit, and
 * a station's commit is retried with each of its later ones, failing them all. What does not fit is cut, never
 * refused: PostgreSQL keeps it whole.
 */
import { serialize } from "node:v8";
import { valueBytes } from "./write_set.ts";

/** What one value may take, serialized (KV's limit is 64 KiB; the rest is margin). */
export const VALUE_MAX_BYTES = 60 * 1024;

/**
 * Estimated (`valueBytes`, UTF-8 lengths) below this, a value is not serialized to be measured: one
 * non-Latin-1 character makes V8 store a whole string two bytes a character, twice its estimate.
 */
const SURELY_FITS = VALUE_MAX_BYTES / 2;

/** Characters a cut text or JSON keeps: twice that in bytes at worst, well within one value. */
const CUT_CHARACTERS = 12_000;

export function fitsOneValue(value: unknown): boolean {
  return valueBytes(value) <= SURELY_FITS || serialize(value).byteLength <= VALUE_MAX_BYTES;
}

/** The largest n in 0..length for which `fitsWith(n)` holds, `fitsWith` holding for every n below one that does. */
export function longestPrefix(length: number, fitsWith: (n: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fitsWith(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** `text` when short, else its first characters and how long it was. */
export function cutText(text: string | null): string | null {
  if (text === null || text.length <= CUT_CHARACTERS) return text;
  return `${
    text.slice(0, CUT_CHARACTERS)
  }… [cut: ${text.length} characters in all, Deno KV keeps 64 KiB a record]`;
}

/** A JSON value as a record keeps it: itself when short, else the start of its JSON text, marked. */
export function cutJson(value: unknown): unknown {
  if (valueBytes(value) <= CUT_CHARACTERS) return value;
  const json = JSON.stringify(value) ?? "null";
  return json.length <= CUT_CHARACTERS
    ? value
    : { cut: true, length: json.length, start: json.slice(0, CUT_CHARACTERS) };
}
