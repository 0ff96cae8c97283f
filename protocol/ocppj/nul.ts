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

/**
 * The path of the first string (or object key) holding U+0000 in `value`: "" for `value` itself; else null.
 * Walks with its own stack, not recursion: a payload may be nested tens of thousands deep.
 */
export function findNul(value: unknown): string | null {
  return findString(value, (s) => s.includes("\u0000"));
}

/** The path of the first string (or object key) of `value` that `bad` says is bad, as `findNul`; else null. */
export function findString(value: unknown, bad: (s: string) => boolean): string | null {
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

/** `value` with every U+0000 in its strings and keys replaced by U+FFFD; `value` itself when it has none. */
export function replaceNul<T>(value: T): T {
  return findNul(value) === null ? value : copyReplacing(value) as T;
}

/** A deep copy with NUL replaced, built with its own stack (see findNul). */
function copyReplacing(value: unknown): unknown {
  const fix = (s: string) => s.replaceAll("\u0000", NUL_REPLACEMENT);
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
