/**
 * What a list page cannot use of its query string: a value it does not understand, or a name it does not take.
 * Such a filter is said, never dropped: a list shown without it would look filtered and be the whole list
 * (`/transactions?from=garbage` listed every transaction). The API refuses the same with a 400
 * (routes/api/query_names.ts); a page answers 400 too and shows why instead of the list.
 *
 * @example
 * ```ts
 * const rules = { status: oneOf(["active", "finished"]) };
 * queryProblems({ status: "bogus" }, rules); // ['"status" is "bogus": not one of active, finished']
 * queryProblems({ status: "" }, rules); // [] (an empty form field is no filter)
 * ```
 */

/** What a good value of one parameter is: a test and the words for it. */
export interface QueryRule {
  ok: (value: string) => boolean;
  expected: string;
}

/** A value of `allowed`. */
export function oneOf(allowed: readonly string[]): QueryRule {
  return { ok: (v) => allowed.includes(v), expected: `not one of ${allowed.join(", ")}` };
}

/** A calendar day, YYYY-MM-DD (one that exists: not 2024-02-30). */
export const DAY: QueryRule = {
  ok: (v) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
    const ms = Date.parse(`${v}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v;
  },
  expected: "not a date (YYYY-MM-DD)",
};

/** Any text up to `max` characters. */
export function textUpTo(max: number): QueryRule {
  return { ok: (v) => v.length <= max, expected: `longer than ${max} characters` };
}

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): QueryRule {
  return {
    ok: (v) => /^\d{1,16}$/.test(v) && Number(v) >= min && Number(v) <= max,
    expected: `not a whole number from ${min} to ${max}`,
  };
}

/** Each problem of `query` under `rules`, in words; empty values are no filter (a form's empty fields). */
export function queryProblems(
  query: Record<string, string | undefined>,
  rules: Record<string, QueryRule>,
): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    // Its own rules only: `constructor` or `toString` would find the object's inherited ones (no rule: a 500).
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (rule === undefined) {
      problems.push(`"${name}" is not a filter of this page (it takes ${Object.keys(rules).join(", ")})`);
    } else if (value !== undefined && value !== "" && !rule.ok(value)) {
      problems.push(`"${name}" is ${JSON.stringify(value.slice(0, 100))}: ${rule.expected}`);
    }
  }
  return problems;
}
