/**
 * Text from the network that no store keeps as sent: U+0000 (NUL; JSON allows `"\u0000"`, KV stores it,
 * PostgreSQL's text does not) and a lone UTF-16 surrogate (`"\ud800"`; PostgreSQL's jsonb refuses it, its text
 * keeps U+FFFD instead). Both stores follow one rule, applied before anything is stored: such text is either
 * refused (the caller names the field) or replaced by U+FFFD.
 *
 * @example
 * ```ts
 * findBadText({ idTag: "A\u0000B" }); // { field: "idTag", kind: "nul" }
 * findBadText({ meterValue: [{ sampledValue: [{ value: "1\ud800" }] }] });
 * // { field: "meterValue[0].sampledValue[0].value", kind: "surrogate" }
 * replaceBadText({ idTag: "A\u0000B\udc00" }); // { idTag: "A\uFFFDB\uFFFD" }
 * ```
 */

export const REPLACEMENT_CHARACTER = "\uFFFD";

export type BadText = "nul" | "surrogate";

/** How a refusal names bad text: the end of "Field "x" contains ...", and the constraint. */
export const BAD_TEXT: Record<BadText, { says: string; constraint: string }> = {
  nul: { says: "the character U+0000 (NUL), which is not accepted", constraint: "no NUL" },
  surrogate: { says: "a lone UTF-16 surrogate, which is not text", constraint: "well-formed text" },
};

/** What `s` holds that no store keeps as sent, NUL first; null when neither. */
function badText(s: string): BadText | null {
  return s.includes("\u0000") ? "nul" : s.isWellFormed() ? null : "surrogate";
}

/**
 * Whether the JSON text of a frame may hold bad text: JSON carries U+0000 and a lone surrogate only as an
 * escape (a transport refuses a text frame that is not UTF-8), so a frame without `\u0000` or a surrogate's
 * escape needs no walk.
 */
export function mayHoldBadText(json: string): boolean {
  return json.includes("\\u") && (json.includes("\\u0000") || SURROGATE_ESCAPE.test(json));
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The first string (or object key) of `value` holding bad text, its path ("" for `value` itself) and kind;
 * null when none. Walks with its own stack, not recursion: a payload may be nested tens of thousands deep.
 */
export function findBadText(value: unknown): { field: string; kind: BadText } | null {
  let kind: BadText | null = null;
  const field = findString(value, (s) => (kind = badText(s)) !== null);
  return field === null || kind === null ? null : { field, kind };
}

/** The path of the first string (or object key) of `value` that `bad` says is bad, as `findBadText`; else null. */
function findString(value: unknown, bad: (s: string) => boolean): string | null {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === "string") {
      if (bad(item)) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`]);
    } else if (item !== null && typeof item === "object") {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const at = path === "" ? key : `${path}.${key}`;
        if (bad(key)) return at;
        stack.push([child, at]);
      }
    }
  }
  return null;
}

/** `value` with bad text in its strings and keys replaced by U+FFFD; `value` itself when it has none. */
export function replaceBadText<T>(value: T): T {
  return findBadText(value) === null ? value : copyReplacing(value) as T;
}

/** A deep copy with bad text replaced, built with its own stack (see findBadText). */
function copyReplacing(value: unknown): unknown {
  const fix = (s: string) => s.replaceAll("\u0000", REPLACEMENT_CHARACTER).toWellFormed();
  const shell = (v: unknown): unknown =>
    typeof v === "string" ? fix(v) : Array.isArray(v) ? [] : v !== null && typeof v === "object" ? {} : v;
  const root = shell(value);
  const stack: [unknown, unknown][] = [[value, root]];
  while (stack.length > 0) {
    const [source, target] = stack.pop() as [unknown, Record<string, unknown>];
    if (source === null || typeof source !== "object") continue;
    for (const [key, child] of Object.entries(source)) {
      const copy = shell(child);
      // defineProperty: a key named "__proto__" (an own property after JSON.parse) stays a plain key.
      const name = Array.isArray(source) ? key : fix(key);
      Object.defineProperty(target, name, {
        value: copy,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (copy !== null && typeof copy === "object") stack.push([child, copy]);
    }
  }
  return root;
}
