/**
 * How id tags are matched, in a module of its own without imports: the server's stores and the dashboard's
 * islands (which ship to the browser) fold tags with this one function, so both call the same tags the same.
 */

/**
 * What an id tag is matched by: OCPP's IdToken is case-insensitive (1.6 CiString20Type, 2.0.1 IdTokenType),
 * so "good" names the tag stored as "GOOD". Stores key and compare tags by this; records keep the spelling.
 *
 * @example
 * ```ts
 * idTagKey("Card-É1"); // "card-É1": A-Z only
 * ```
 */
export function idTagKey(idTag: string): string {
  // A-Z only, as PostgreSQL's lower() under the "C" collation its id tags have: both stores fold alike.
  if (!ASCII_UPPER.test(idTag)) return idTag;
  // An ASCII tag (RFID UIDs in hex, mostly upper case) is folded by toLowerCase alone, which changes only
  // A-Z there: a few KV keys per transaction message are built from it, and the replace's callback cost ~3x.
  return NON_ASCII.test(idTag)
    ? idTag.replace(ASCII_UPPER_ALL, (run) => run.toLowerCase())
    : idTag.toLowerCase();
}

/** Whether two id tags are the same tag (case-insensitive, see `idTagKey`). */
export function sameIdTag(a: string, b: string): boolean {
  return a === b || idTagKey(a) === idTagKey(b);
}

const ASCII_UPPER = /[A-Z]/;
const ASCII_UPPER_ALL = /[A-Z]+/g;
// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
