/**
 * What a station's late answer (after its call timed out) to an AuthorizationKey or a SecurityProfile it was
 * sent settles. The timeout left the key pending (taken beside the old one) and the raise pending (the old
 * profile still lets the station in), since the station may have taken them; its answer, when it comes, says
 * which, and settles them as a timely one does in the API (routes/api/commands.ts, station_security.ts):
 * Accepted makes the key the station's (a CALLERROR is a refusal) (else it would be refused with it once the pending key expires),
 * RebootRequired leaves it pending, a refusal forgets it (no second password, and no raise let through on a
 * key the station does not hold); a refused raise is forgotten, one accepted stays pending until the station
 * connects meeting it, as one accepted in time.
 *
 * @example
 * ```ts ignore
 * await settleLateSecurityAnswer(deps, {
 *   chargePointId: "CP-1",
 *   action: "ChangeConfiguration",
 *   request: { key: "AuthorizationKey", value: "a-new-key-of-16-chars" },
 *   response: { status: "Accepted" },
 *   requestedBy: "user:root",
 * }); // the key is the station's
 * ```
 */
import { verifyPassword } from "../auth/passwords.ts";
import type { StationSecurityRecord } from "../store/station_security.ts";
import { keyAnswer, keySent } from "./authorization_key_rotation.ts";
import { changeStationSecurity, type PendingKeyExpiryDeps } from "./pending_key_expiry.ts";
import { settlePendingKey } from "./pending_key_settlement.ts";
import {
  isRaiseAsked,
  profileAnswer,
  profileSent,
  withPendingProfileForgotten,
} from "./security_profile_raise.ts";

/** A command the station answered after its call timed out. */
export interface LateSecurityAnswer {
  chargePointId: string;
  action: string;
  request: unknown;
  response: unknown;
  /**
   * Its CALLERROR instead of a response: a refusal, as in time (the API forgets a key or raise the station
   * answered with a CALLERROR: it did not take them).
   */
  callError?: { errorCode: string } | null;
  requestedBy: string;
  /**
   * What the command was sent with (`CallOptions.recordsAsked`): the raise it carried (`raiseAsked`), so one
   * stored since (sent again) is not this one's; null or without one: it settles no raise.
   */
  recordsAsked?: Readonly<Record<string, string>> | null;
}

export async function settleLateSecurityAnswer(deps: PendingKeyExpiryDeps, answer: LateSecurityAnswer) {
  await settleKey(deps, answer);
  await settleRaise(deps, answer);
}

async function settleKey(deps: PendingKeyExpiryDeps, answer: LateSecurityAnswer): Promise<void> {
  const { chargePointId, action, request, response, requestedBy } = answer;
  const key = keySent(action, request);
  if (key === null) return;
  const outcome = answer.callError ? "refused" : keyAnswer(action, request, response);
  if (outcome === "afterReboot") return; // pending until it reconnects with it, as when answered in time
  const hash = await pendingHashOf(await deps.store.get(chargePointId), key);
  if (hash === null) return; // settled already (a handshake with it), replaced, expired, or never pending
  await settlePendingKey(deps, {
    chargePointId,
    hash,
    taken: outcome === "accepted",
    by: requestedBy,
    at: deps.now().toISOString(),
    why:
      `AuthorizationKey ${outcome === "accepted" ? "accepted" : "not accepted"} by the station (${action}, ` +
      "answered after its timeout)",
  });
}

/** The hash of the station's pending key `key` (hashes are salted: each is checked), or null. */
async function pendingHashOf(record: StationSecurityRecord | null, key: string): Promise<string | null> {
  for (const pending of record?.pendingAuthorizationKeys ?? []) {
    if (await verifyPassword(key, pending.hash)) return pending.hash;
  }
  return null;
}

async function settleRaise(deps: PendingKeyExpiryDeps, answer: LateSecurityAnswer): Promise<void> {
  const { chargePointId, action, request, response, requestedBy, recordsAsked } = answer;
  const profile = profileSent(action, request);
  if (typeof profile !== "number") return;
  if (!answer.callError && profileAnswer(response) !== "refused") return;
  const at = deps.now().toISOString();
  const { before, after } = await changeStationSecurity(deps, chargePointId, (stored) => {
    const pending = stored?.pendingSecurityProfile;
    // Only the raise this command carried: one of the same profile stored after it was asked is another's.
    if (!pending || pending.profile !== profile || !isRaiseAsked(pending, recordsAsked)) return undefined;
    return withPendingProfileForgotten(stored, pending, undefined, requestedBy, at);
  });
  if (before !== after) {
    deps.events.record({
      kind: "station_security_changed",
      chargePointId,
      principal: requestedBy,
      reason:
        `Pending security profile dropped: the station did not accept ${profile} (${action}, answered ` +
        "after its timeout)",
    });
  }
}
