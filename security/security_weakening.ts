/**
 * Whether a change of a station's security settings weakens them, that is lets in as the station someone the
 * settings before kept out: a lower effective profile (0 asks nothing, 1 the AuthorizationKey, 2 also TLS,
 * 3 a client certificate), or an allow-list that lets in an address the one before did not (an empty list
 * lets in any), or a higher profile the station took and the server awaits (`pendingSecurityProfile`, Security
 * Whitepaper A05) forgotten while the profile stays lower: the lower one would then let it in for good. Settings
 * removed are the defaults: the global profile and any address. Only the settings'
 * own word counts: a list of several ranges that together cover a wider one is not seen to (conservative:
 * a narrowing written so is taken for a widening). Pure.
 *
 * @example
 * ```ts
 * const before = { securityProfile: 2 as const, allowedIps: ["10.0.0.0/8"] };
 * securityWeakening(before, { securityProfile: 1, allowedIps: ["10.0.0.0/8"] }, 0); // "lower ... from 2 to 1"
 * securityWeakening(before, { securityProfile: 3, allowedIps: ["10.1.0.0/16"] }, 0); // null
 * ```
 */
import type { SecurityProfile, StationSecurityRecord } from "../store/station_security.ts";
import { rangeWithin } from "./ip_list.ts";

type Settings = Pick<StationSecurityRecord, "securityProfile" | "allowedIps" | "pendingSecurityProfile">;

/**
 * What `after` weakens of `before` (null: no settings, the defaults), in words, or null when nothing.
 * `raisedTo`: the profile of the raise pending on `before` while it may still settle, else null.
 */
export function securityWeakening(
  before: Settings | null,
  after: Settings | null,
  defaultProfile: SecurityProfile,
  raisedTo: SecurityProfile | null = null,
): string | null {
  const from = before?.securityProfile ?? defaultProfile;
  const to = after?.securityProfile ?? defaultProfile;
  if (to < from) return `lower a station's security profile from ${from} to ${to}`;
  if (raisedTo !== null && to < raisedTo && after?.pendingSecurityProfile === undefined) {
    return `forget the raise to security profile ${raisedTo} a station took, keeping ${to}`;
  }
  const allowed = before?.allowedIps ?? [];
  // An empty list lets in any address: nothing is wider.
  if (allowed.length === 0) return null;
  const wanted = after?.allowedIps ?? [];
  if (wanted.length === 0) return "let a station connect from any address";
  const wider = wanted.find((entry) => !allowed.some((outer) => rangeWithin(entry, outer)));
  return wider === undefined ? null : `add ${wider} to a station's allowed addresses`;
}
