/**
 * What an API token that expires may not make: anything that keeps working after it, as a token it creates
 * expires with it at the latest (`POST /api/v1/tokens`). A user, a password, a role or an enabled user would be
 * a credential; a webhook (a new one, another URL, more events, enabled again) would go on sending station
 * events, and its renewed secret signs deliveries its receiver trusts. A station's AuthorizationKey (set,
 * generated, or sent by a command or job) is the station's password, and what else changes whom a station
 * trusts (`security/trust_commands.ts`: its certificates, security profile, network profile) stays changed, as
 * do weaker settings of whom the server lets in as a station (`routes/api/station_security.ts`: a lower
 * profile, a wider allow-list, the settings deleted; tightening them is allowed).
 * A session and a token that never expires are not limited.
 *
 * @example
 * ```ts ignore
 * refuseOutlivingGrant(principal, "create a user"); // throws 403 for a token with an expiry
 * ```
 */
import type { Principal } from "../../auth/principal.ts";
import { ApiError } from "./http.ts";

/** Throws 403 `forbidden` (with the token's `expiresAt`) when `principal` is a token that expires. */
export function refuseOutlivingGrant(principal: Principal | null, what: string): void {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  throw new ApiError(
    403,
    "forbidden",
    `An API token that expires (at ${expiresAt}) cannot ${what}: that would outlive it; use a user's session ` +
      "or a token that does not expire",
    { expiresAt },
  );
}
