/**
 * Raising a station's security profile the OCPP way (OCPP 1.6 Security Whitepaper ed. 3, use case A05): the
 * Central System sends ChangeConfiguration `SecurityProfile` = N; a station that accepts it reconnects with
 * profile N and never falls back, and from its first connection with N the Central System refuses the lower
 * ones. The station itself rejects a lower value (a downgrade is not possible this way). An OCPP 2.0.1
 * station is sent N in a SetNetworkProfile's `connectionData.securityProfile` (Part 2 A05, B09: it stores the
 * profile in a slot, and connects with it once the operator puts the slot first in
 * OCPPCommCtrlr.NetworkConfigurationPriority and resets it). Pure: which profile a command sends, what the
 * answer says, and the record's pending profile from sent to settled.
 *
 * The raise is pending (`StationSecurityRecord.pendingSecurityProfile`) from just before it goes out until the
 * station's first handshake that meets N (then N is its profile), its answer says it did not take it (then it
 * is forgotten), an operator sets the profile, or PENDING_AUTHORIZATION_KEY_TTL_H passes (then it no longer
 * settles and the next change of the record drops it, with a security event). While pending, the old profile
 * still lets the station in: it may not have reconnected yet.
 *
 * @example
 * ```ts
 * profileSent("ChangeConfiguration", { key: "SecurityProfile", value: "2" }); // 2
 * profileSent("ChangeConfiguration", { key: "HeartbeatInterval", value: "2" }); // null
 * profileSent("SetNetworkProfile", { configurationSlot: 2, connectionData: { securityProfile: 3 } }); // 3
 * ```
 */
import { isPlainObject } from "../protocol/ocppj/frames.ts";
import type {
  PendingSecurityProfile,
  SecurityProfile,
  StationSecurityRecord,
} from "../store/station_security.ts";

/**
 * The profile a command sets on the station: 0-3; "invalid" for a SecurityProfile value that is none (the
 * whitepaper's values are 0 to 3); null when the command sets none. 1.6 configuration keys are CiStrings.
 * (A 2.0.1 station's SecurityCtrlr.SecurityProfile is read-only: SetVariables cannot set it.)
 */
export function profileSent(action: string, payload: unknown): SecurityProfile | "invalid" | null {
  // A job's payload is checked against the schemas after this: any JSON may come (null, a string).
  const fields = isPlainObject(payload) ? payload : {};
  if (action === "SetNetworkProfile") {
    const data = fields.connectionData;
    const value = isPlainObject(data) ? data.securityProfile : undefined;
    return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 3
      ? value as SecurityProfile
      : "invalid";
  }
  if (action !== "ChangeConfiguration") return null;
  const { key, value } = fields;
  if (typeof key !== "string" || key.toLowerCase() !== "securityprofile") return null;
  return typeof value === "string" && /^[0-3]$/.test(value.trim())
    ? Number(value.trim()) as SecurityProfile
    : "invalid";
}

/**
 * Where a command carries its profile, as the API names a field it refuses (see `profileSent`).
 */
export function profileField(action: string): string {
  return action === "SetNetworkProfile" ? "connectionData.securityProfile" : "value";
}

/**
 * What the station's answer (ChangeConfiguration, SetNetworkProfile) says it did with the profile it was sent:
 * a 2.0.1 station's Rejected and Failed are refusals.
 */
export function profileAnswer(response: unknown): "accepted" | "afterReboot" | "refused" {
  const status = (response as { status?: string } | null)?.status;
  return status === "Accepted" ? "accepted" : status === "RebootRequired" ? "afterReboot" : "refused";
}

/** When `pending` stops settling (ms since the epoch); a `since` that is no time counts as expired. */
export function pendingProfileExpiresAt(pending: PendingSecurityProfile, ttlMs: number): number {
  const since = typeof pending.since === "string" ? Date.parse(pending.since) : NaN;
  return Number.isNaN(since) ? -Infinity : since + ttlMs;
}

/**
 * The profile the station may be raising to, N, or null: pending, not expired at `nowMs`, and above
 * `current` (the profile its record enforces).
 */
export function raisingTo(
  record: StationSecurityRecord | null,
  current: SecurityProfile,
  nowMs: number,
  ttlMs: number,
): SecurityProfile | null {
  const pending = record?.pendingSecurityProfile;
  if (!pending || nowMs >= pendingProfileExpiresAt(pending, ttlMs)) return null;
  return pending.profile > current ? pending.profile : null;
}

/**
 * The record once the station connected meeting the pending profile `profile`: that is its profile and
 * nothing is pending; undefined when it is not pending (settled already, forgotten, or replaced).
 */
export function withPendingProfileSettled(
  stored: StationSecurityRecord | null,
  profile: SecurityProfile,
  at: string,
): StationSecurityRecord | undefined {
  if (!stored || stored.pendingSecurityProfile?.profile !== profile) return undefined;
  const { pendingSecurityProfile: _settled, ...rest } = stored;
  return { ...rest, securityProfile: profile, updatedBy: "station", updatedAt: at };
}

/**
 * The record without the pending profile `pending` (the station did not take it), `previous` pending again
 * if it was (a raise sent before it, still unsettled); undefined when `pending` is no longer the one pending.
 */
export function withPendingProfileForgotten(
  stored: StationSecurityRecord | null,
  pending: PendingSecurityProfile,
  previous: PendingSecurityProfile | undefined,
  by: string,
  at: string,
): StationSecurityRecord | undefined {
  const now = stored?.pendingSecurityProfile;
  if (!stored || now?.profile !== pending.profile || now.since !== pending.since) return undefined;
  const { pendingSecurityProfile: _forgotten, ...rest } = stored;
  return { ...rest, ...(previous ? { pendingSecurityProfile: previous } : {}), updatedBy: by, updatedAt: at };
}

/** The name of a raise's version in a command's `recordsAsked` (`CallOptions`): the `since` it was stored with. */
const RAISE_ASKED = "pendingSecurityProfile";

/** What a command carrying the raise `pending` is sent with (`CallOptions.recordsAsked`). */
export function raiseAsked(pending: PendingSecurityProfile): Record<string, string> {
  return { [RAISE_ASKED]: pending.since };
}

/**
 * Whether `pending` is the very raise a command was sent with (`raiseAsked`): the same `since`, not one
 * stored since, whichever node's clock stamped either (ordering two nodes' times would depend on their skew).
 */
export function isRaiseAsked(
  pending: PendingSecurityProfile,
  recordsAsked: Readonly<Record<string, string>> | null | undefined,
): boolean {
  return recordsAsked?.[RAISE_ASKED] === pending.since;
}

/** Whether `record` holds nothing the defaults do not (a record made only to hold a pending raise). */
export function holdsNothing(record: StationSecurityRecord): boolean {
  return record.securityProfile === null && record.authorizationKeyHash === null &&
    !record.pendingAuthorizationKeys && !record.pendingSecurityProfile && record.allowedIps.length === 0;
}
