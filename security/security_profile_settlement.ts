/**
 * A station's first handshake that meets its pending security profile makes it its profile (Security
 * Whitepaper A05: from then on the lower ones are refused), atomically against every other write of its
 * record, with a security event: the one way a raise is settled.
 */
import type { SecurityProfile } from "../store/station_security.ts";
import { changeStationSecurity, type PendingKeyExpiryDeps } from "./pending_key_expiry.ts";
import { withPendingProfileSettled } from "./security_profile_raise.ts";

/** Whether this call made `profile` the station's profile. */
export async function settleRaisedProfile(
  deps: PendingKeyExpiryDeps,
  chargePointId: string,
  profile: SecurityProfile,
  remoteAddress: string,
): Promise<boolean> {
  const at = deps.now().toISOString();
  const { before, after } = await changeStationSecurity(
    deps,
    chargePointId,
    (stored) => withPendingProfileSettled(stored, profile, at),
  );
  if (after === before) return false;
  deps.events.record({
    kind: "station_security_changed",
    chargePointId,
    principal: "station",
    remoteAddress,
    reason: `Security profile raised from ${before?.securityProfile ?? "default"} to ${profile}: the ` +
      "station connected meeting it (Security Whitepaper A05); lower profiles are refused from now on",
  });
  return true;
}
