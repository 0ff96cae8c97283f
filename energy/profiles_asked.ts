/**
 * What a station's stored profiles were when one of load management's commands went out, to judge its late
 * answer by: each profile's version (its `updatedAt`, as written) by its id, sent with the command
 * (`CallOptions.recordsAsked`) and given back with the answer by the node holding the station. A profile whose
 * version is no longer the same was written since (a later command decided it), whichever node wrote it:
 * versions are compared for equality, never ordered, so the nodes' clocks (which differ by NTP-sized skew)
 * decide nothing.
 *
 * @example
 * ```ts
 * import { changedSince, profileVersions } from "./profiles_asked.ts";
 * const asked = profileVersions([]);
 * changedSince([], asked, 7); // false: none then, none now
 * ```
 */
import type { ChargingProfileChanges, StoredChargingProfile } from "../model/charging_profile.ts";

/** Each stored profile's version by its id: what a command goes out with. */
export function profileVersions(stored: readonly StoredChargingProfile[]): Record<string, string> {
  return Object.fromEntries(stored.map((s) => [String(s.chargingProfileId), s.updatedAt]));
}

/** Whether the record of `chargingProfileId` was written (made, replaced or removed) since `asked`. */
export function changedSince(
  stored: readonly StoredChargingProfile[],
  asked: Readonly<Record<string, string>>,
  chargingProfileId: number,
): boolean {
  const now = stored.find((s) => s.chargingProfileId === chargingProfileId)?.updatedAt;
  return now !== asked[String(chargingProfileId)];
}

/** The stored profiles as they were when `asked` was taken, unchanged since (a clear asked then selects these). */
export function unchangedSince(
  stored: readonly StoredChargingProfile[],
  asked: Readonly<Record<string, string>>,
): StoredChargingProfile[] {
  return stored.filter((s) => asked[String(s.chargingProfileId)] === s.updatedAt);
}

/** `stored` once `changes` are written: what a command sent after them goes out with. */
export function withChanges(
  stored: readonly StoredChargingProfile[],
  changes: ChargingProfileChanges,
): StoredChargingProfile[] {
  const gone = new Set([...changes.remove, ...changes.put.map((p) => p.chargingProfileId)]);
  return [...stored.filter((s) => !gone.has(s.chargingProfileId)), ...changes.put];
}
