/**
 * The operator's side of a security profile raise (Security Whitepaper A05, security/security_profile_raise.ts):
 * ChangeConfiguration `SecurityProfile` = N is checked against the station's record before it goes out (a
 * lower profile is refused, 409: the station SHALL reject it, and the server lowers a profile only by PATCH),
 * N is stored pending just before it is sent (a station that takes it and reconnects at once is settled by
 * the gate), and forgotten when the station's answer says it did not take it or it never went out.
 */
import type { PendingSecurityProfile, SecurityProfile } from "../../store/station_security.ts";
import { changeStationSecurity, isPendingKeyLive } from "../../security/pending_key_expiry.ts";
import { holdsNothing, withPendingProfileForgotten } from "../../security/security_profile_raise.ts";
import { ApiError } from "./http.ts";
import type { StationSecurityRouteOptions } from "./station_security.ts";

/** A raise stored pending: what forgetting it needs. */
export interface PendingRaise {
  pending: PendingSecurityProfile;
  /** The raise pending before it, pending again if this one is forgotten. */
  previous: PendingSecurityProfile | undefined;
  /** The record was made for it: it goes with it when it holds nothing else. */
  created: boolean;
}

export interface SecurityProfileRaises {
  /**
   * Checks that `profile` may be sent to the station (409 otherwise) and, when `store`, stores it pending; the
   * raise to forget if the station does not take it, or null when nothing was stored (not above the station's
   * profile, or `store` false).
   */
  raise(id: string, profile: SecurityProfile, by: string, store: boolean): Promise<PendingRaise | null>;
  /** The station did not take `raise`: forgotten, unless something replaced it meanwhile. */
  forget(id: string, raise: PendingRaise, by: string, why: string): Promise<void>;
}

export function securityProfileRaises(options: StationSecurityRouteOptions): SecurityProfileRaises {
  const { security, now } = options;
  const deps = {
    store: security.store,
    events: security.events,
    now,
    pendingKeyTtlMs: security.pendingKeyTtlMs,
  };

  const raise = async (id: string, profile: SecurityProfile, by: string, store: boolean) => {
    let ticket: PendingRaise | null = null;
    const check = (stored: Awaited<ReturnType<typeof security.store.get>>) => {
      const current = stored?.securityProfile ?? security.defaultProfile;
      if (profile < current) {
        throw new ApiError(
          409,
          "conflict",
          `"${id}" is at security profile ${current}: a station SHALL reject a lower one (Security Whitepaper ` +
            `A05), so ${profile} is not sent; lower it with PATCH /api/v1/station-security/${id} (and the ` +
            "station's own settings)",
          { currentProfile: current, requestedProfile: profile },
        );
      }
      const nowMs = now().getTime();
      const hasKey = stored?.authorizationKeyHash != null ||
        (stored?.pendingAuthorizationKeys ?? []).some((p) =>
          isPendingKeyLive(p, nowMs, security.pendingKeyTtlMs)
        );
      if (profile > current && (profile === 1 || profile === 2) && !hasKey) {
        throw new ApiError(
          409,
          "conflict",
          `Security profile ${profile} needs an AuthorizationKey for "${id}": set one first, or the station ` +
            "could never connect with it",
          { currentProfile: current, requestedProfile: profile },
        );
      }
      return profile > current;
    };
    if (!store) {
      check(await security.store.get(id));
      return null;
    }
    const at = now().toISOString();
    const { after } = await changeStationSecurity(deps, id, (stored) => {
      ticket = null;
      if (!check(stored)) return undefined;
      const pending = { profile, since: at };
      ticket = { pending, previous: stored?.pendingSecurityProfile, created: stored === null };
      return {
        chargePointId: id,
        securityProfile: null,
        authorizationKeyHash: null,
        allowedIps: [],
        createdAt: at,
        ...stored,
        pendingSecurityProfile: pending,
        updatedBy: by,
        updatedAt: at,
      };
    });
    if (ticket !== null && after) {
      security.events.record({
        kind: "station_security_changed",
        chargePointId: id,
        principal: by,
        reason: `Security profile ${profile} sent (pending until the station connects meeting it)`,
      });
    }
    return ticket;
  };

  const forget = async (id: string, raise: PendingRaise, by: string, why: string) => {
    const at = now().toISOString();
    const { before, after } = await changeStationSecurity(deps, id, (stored) => {
      const left = withPendingProfileForgotten(stored, raise.pending, raise.previous, by, at);
      return left && raise.created && holdsNothing(left) ? null : left;
    });
    if (before !== after) {
      security.events.record({
        kind: "station_security_changed",
        chargePointId: id,
        principal: by,
        reason: why,
      });
    }
  };

  return { raise, forget };
}
