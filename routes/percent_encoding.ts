/**
 * Percent-escapes that decode to no text (`%E0%A4`, `%B`, `%zz`). Hono hands a route the raw text of a
 * parameter it cannot decode, so `/ocpp/A%B` and `/ocpp/A%25B` would both name the station "A%B": such a
 * request is refused instead, with 400.
 */

/**
 * Which part of `url` holds an escape that does not decode, path first; null when both decode.
 *
 * @example
 * ```ts
 * undecodablePart("http://h/api/v1/charge-points/CP%41"); // null
 * undecodablePart("http://h/api/v1/charge-points/CP%E0%A4"); // "path"
 * undecodablePart("http://h/x?q=%zz"); // "query"
 * ```
 */
export function undecodablePart(url: string): "path" | "query" | null {
  const { pathname, search } = new URL(url);
  if (!decodes(pathname)) return "path";
  // "+" is a space in a query; it cannot make an escape undecodable, but keeps the test honest to the form.
  if (!decodes(search.replaceAll("+", " "))) return "query";
  return null;
}

/** Escapes are only broken by literal characters, so decoding the whole text fails exactly when a part does. */
function decodes(text: string): boolean {
  if (!text.includes("%")) return true;
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
