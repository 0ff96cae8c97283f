/**
 * The query parameters a route takes, from its zod schema: one it does not take is refused (400), not
 * ignored, so a misspelt one (`cursor=` on a list whose cursor is `after`) cannot quietly change nothing.
 */
import type { z } from "zod";

/** The names an object schema (or a pipe from one) reads; no schema reads none; null when they cannot be told. */
export function queryNames(schema: z.ZodTypeAny | undefined): ReadonlySet<string> | null {
  if (schema === undefined) return new Set();
  // zod 4 keeps a schema's kind and shape in its definition.
  // deno-lint-ignore no-explicit-any
  const def = (schema as any)._zod?.def;
  if (def?.type === "object") return new Set(Object.keys(def.shape));
  if (def?.type === "pipe") return queryNames(def.in);
  return null;
}

/** The first name in `query` that is not in `names`, and what the route takes instead; null if none. */
export function unknownQueryName(
  names: ReadonlySet<string> | null,
  query: Record<string, unknown>,
): { name: string; takes: string } | null {
  if (names === null) return null;
  const name = Object.keys(query).find((n) => !names.has(n));
  if (name === undefined) return null;
  return { name, takes: names.size === 0 ? "none" : [...names].sort().join(", ") };
}
