/**
 * Settling a station's pending AuthorizationKey in the store (`withPendingKeySettled`, atomically against every
 * other write of its record) and recording it as a security event when it changed anything: the one way an
 * answer (the API) and a handshake with the key (the gate) settle it.
 */
import type { StationSecurityRecord, StationSecurityStore } from "../store/station_security.ts";
import { withPendingKeySettled } from "./authorization_key_rotation.ts";
import type { SecurityEventLog } from "./security_events.ts";

export async function settlePendingKey(
  deps: { store: StationSecurityStore; events: SecurityEventLog },
  settle: { chargePointId: string; hash: string; taken: boolean; by: string; at: string; why: string },
): Promise<StationSecurityRecord | null> {
  const { chargePointId, hash, taken, by, at, why } = settle;
  const { before, after } = await deps.store.change(
    chargePointId,
    (stored) => withPendingKeySettled(stored, hash, taken, by, at),
  );
  if (after !== before) {
    deps.events.record({ kind: "station_security_changed", chargePointId, principal: by, reason: why });
  }
  return after;
}
