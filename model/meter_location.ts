/**
 * Which meter a series of readings follows when a station reports one measurand at several locations at once
 * (OCPP 1.6 §7.30 Location, 2.0.1 LocationEnumType): the outlet, what the EV was given, is the session's meter;
 * an Inlet reading is the grid side (the station's own use too) and would add to it if both were counted. Only
 * a station that reports none at the outlet has its other meter followed, nearest the EV first. Pure.
 *
 * @example
 * ```ts
 * import { preferredLocation } from "./meter_location.ts";
 * preferredLocation(["Inlet", "Outlet"]); // "Outlet"
 * preferredLocation(["Inlet"]); // "Inlet"
 * ```
 */

/** Nearest the EV first; a location OCPP does not name comes last. */
const PREFERENCE: readonly string[] = ["Outlet", "Cable", "EV", "Body", "Inlet"];

function rank(location: string): number {
  const at = PREFERENCE.indexOf(location);
  return at === -1 ? PREFERENCE.length : at;
}

/** The location whose readings count among `locations` (the readings of one instant), or null for none. */
export function preferredLocation(locations: Iterable<string>): string | null {
  let best: string | null = null;
  for (const location of locations) {
    if (best === null || rank(location) < rank(best) || (rank(location) === rank(best) && location < best)) {
      best = location;
    }
  }
  return best;
}
