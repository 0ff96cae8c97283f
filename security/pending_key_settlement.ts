/**
 * Settling a station's pending AuthorizationKey in the store (`withPendingKeySettled`, atomically against every
 * other write of its record, expired pending keys dropped as by every change) and recording it as a security
 * event when it changed anything: the one way an answer (the API) and a handshake with the key (the gate)
 * settle it.
 */
import type { StationSecurityRecord } from "../store/station_security.ts";
import { withPendingKeySettled } from "./authorization_key_rotation.ts";
import { changeStationSecurity, type PendingKeyExpiryDeps } from "./pending_key_expiry.ts";

export async function settlePendingKey(
  deps: PendingKeyExpiryDeps,
  settle: { chargePointId: string; hash: string; taken: boolean; by: string; at: string; why: string },
): Promise<StationSecurityRecord | null> {
  const { chargePointId, hash, taken, by, at, why } = settle;
  const { before, after } = await changeStationSecurity(
    deps,
    chargePointId,
    (stored) => withPendingKeySettled(stored, hash, taken, by, at),
  );
  if (after !== before) {
    deps.events.record({ kind: "station_security_changed", chargePointId, principal: by, reason: why });
  }
  return after;
}
