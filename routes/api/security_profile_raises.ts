/**
 * The operator's side of a security profile raise (Security Whitepaper A05, security/security_profile_raise.ts):
 * ChangeConfiguration `SecurityProfile` = N is checked against the station's record before it goes out (a
 * lower profile is refused, 409: the station SHALL reject it, and the server lowers a profile only by PATCH),
 * N is stored pending just before it is sent (a station that takes it and reconnects at once is settled by
 * the gate), and forgotten when the station's answer says it did not take it or it never went out.
 *
 * Profile 3 is TLS with a client certificate: a raise to it is refused (409 `command_refused`, retried with
 * force) unless the station has a current, unexpired certificate of our PKI (`StationCertificates`, one it
 * installed: CertificateSigned Accepted). Without one, the station that takes the raise comes back with no
 * certificate to present and is shut out, or the raise stays pending until it expires. Force is for a station
 * holding a certificate of another CA the TLS proxy trusts; a lower profile is refused even when forced.
 */
import type { PendingSecurityProfile, SecurityProfile } from "../../store/station_security.ts";
import { changeStationSecurity, isPendingKeyLive } from "../../security/pending_key_expiry.ts";
import { holdsNothing, withPendingProfileForgotten } from "../../security/security_profile_raise.ts";
import { ApiError } from "./http.ts";
import type { StationSecurityRouteOptions } from "./station_security.ts";

/**
 * Where the route reads the certificate a station raised to profile 3 would present: our PKI's (wired in
 * routes/api/mod.ts from the Security extension), injected so this file needs no PKI.
 */
export interface StationCertificates {
  /** The station's current certificate (the newest it installed), or null. */
  current(chargePointId: string): Promise<{ serialNumber: string; notAfter: string } | null>;
}

/** Why a station cannot be raised to profile 3 without force, or null when it can. */
export function certificateProblem(
  id: string,
  certificate: { serialNumber: string; notAfter: string } | null,
  nowMs: number,
): { reason: "no_station_certificate" | "station_certificate_expired"; message: string } | null {
  if (certificate === null) {
    return {
      reason: "no_station_certificate",
      message: `Security profile 3 needs a client certificate: "${id}" has installed none issued by this ` +
        "server (SignCertificate, then CertificateSigned Accepted), so it could never connect with it; " +
        "enrol it first, or retry with force if it holds one of another CA the TLS proxy trusts",
    };
  }
  if (Date.parse(certificate.notAfter) <= nowMs) {
    return {
      reason: "station_certificate_expired",
      message: `Security profile 3 needs a client certificate: the one "${id}" installed ` +
        `(${certificate.serialNumber}) expired at ${certificate.notAfter}, so it could never connect with ` +
        "it; have it renewed first, or retry with force if it holds one of another CA the TLS proxy trusts",
    };
  }
  return null;
}

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
   * Checks that `profile` may be sent to the station (409 otherwise; `force` lets a raise to 3 go out without
   * a certificate of ours) and, when `store`, stores it pending; the raise to forget if the station does not
   * take it, or null when nothing was stored (not above the station's profile, or `store` false).
   */
  raise(
    id: string,
    profile: SecurityProfile,
    by: string,
    store: boolean,
    force?: boolean,
  ): Promise<PendingRaise | null>;
  /** The station did not take `raise`: forgotten, unless something replaced it meanwhile. */
  forget(id: string, raise: PendingRaise, by: string, why: string): Promise<void>;
}

export function securityProfileRaises(
  options: StationSecurityRouteOptions & {
    /** Our PKI's certificates; without it (no Security extension) no station has one. */
    certificates?: StationCertificates;
  },
): SecurityProfileRaises {
  const { security, now, certificates } = options;
  const deps = {
    store: security.store,
    events: security.events,
    now,
    pendingKeyTtlMs: security.pendingKeyTtlMs,
  };

  const raise = async (id: string, profile: SecurityProfile, by: string, store: boolean, force = false) => {
    let ticket: PendingRaise | null = null;
    // Read before the record's change (its callback is synchronous); judged only for a raise to 3.
    const installed = profile === 3 && !force ? (await certificates?.current(id)) ?? null : undefined;
    const noCertificate = installed === undefined ? null : certificateProblem(id, installed, now().getTime());
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
      if (profile > current && noCertificate) {
        throw new ApiError(409, "command_refused", noCertificate.message, {
          reason: noCertificate.reason,
          currentProfile: current,
          requestedProfile: profile,
          certificate: installed
            ? { serialNumber: installed.serialNumber, notAfter: installed.notAfter }
            : null,
          retry: "force=true",
        });
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
