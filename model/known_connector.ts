/**
 * Whether a command names a connector (1.6) or an EVSE (2.0.1) the station has reported: one it has not
 * reported is likely one it does not have (a typo, the wrong station), and the station would only reject it.
 * Nothing is judged before the station reported any. Pure.
 *
 * @example
 * ```ts ignore
 * unknownConnector([1, 2], 3, "connector"); // "connector 3 is not one the station has reported (it has 1, 2)"
 * unknownConnector([1, 2], 0, "connector"); // null: 0 is the whole station
 * ```
 */
export function unknownConnector(
  reported: readonly number[],
  requested: number,
  place: "connector" | "EVSE",
): string | null {
  const known = [...new Set(reported.filter((n) => n > 0))].sort((a, b) => a - b);
  if (requested === 0 || known.length === 0 || known.includes(requested)) return null;
  return `${place} ${requested} is not one the station has reported (it has ${known.join(", ")})`;
}
