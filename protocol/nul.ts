/**
 * U+0000 (NUL) in strings from the network. JSON allows it (`"\u0000"`), KV stores it, PostgreSQL's text does
 * not (`invalid byte sequence for encoding "UTF8": 0x00`). Both stores follow one rule, applied before
 * anything is stored: a NUL is either refused (the caller names the field) or replaced by U+FFFD.
 *
 * @example
 * ```ts
 * findNul({ idTag: "A\u0000B" }); // "idTag"
 * findNul({ meterValue: [{ sampledValue: [{ value: "1\u00002" }] }] }); // "meterValue[0].sampledValue[0].value"
 * replaceNul({ idTag: "A\u0000B" }); // { idTag: "A\uFFFDB" }
 * ```
 */

export const NUL_REPLACEMENT = "\uFFFD";

/** The path of the first string (or object key) holding U+0000 in `value`: "" for `value` itself; else null. */
export function findNul(value: unknown, path = ""): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  for (const [key, item] of Object.entries(value)) {
    const at = path === "" ? key : `${path}.${key}`;
    if (key.includes("\u0000")) return at;
    const found = findNul(item, at);
    if (found !== null) return found;
  }
  return null;
}

/** `value` with every U+0000 in its strings and keys replaced by U+FFFD; `value` itself when it has none. */
export function replaceNul<T>(value: T): T {
  return findNul(value) === null ? value : replace(value) as T;
}

function replace(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("\u0000", NUL_REPLACEMENT);
  if (Array.isArray(value)) return value.map(replace);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k) as string, replace(v)]));
}
