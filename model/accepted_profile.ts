/**
 * The chargingProfileId a station took with its answer to a SetChargingProfile, in either dialect's shape
 * (OCPP 1.6 §5.16 `csChargingProfiles.chargingProfileId`, 2.0.1 K01 `chargingProfile.id`); null for any
 * other command or answer. The node holding the station counts what it accepted since its boot by it.
 *
 * @example
 * ```ts
 * import { acceptedProfileId } from "./accepted_profile.ts";
 * acceptedProfileId("SetChargingProfile", { connectorId: 0, csChargingProfiles: { chargingProfileId: 7 } }, {
 *   status: "Accepted",
 * }); // 7
 * ```
 */
import { isPlainObject } from "../protocol/ocppj/frames.ts";

export function acceptedProfileId(action: string, payload: unknown, response: unknown): number | null {
  if (action !== "SetChargingProfile" || !isPlainObject(response) || response.status !== "Accepted") {
    return null;
  }
  if (!isPlainObject(payload)) return null;
  const profile = isPlainObject(payload.csChargingProfiles)
    ? payload.csChargingProfiles.chargingProfileId
    : isPlainObject(payload.chargingProfile)
    ? payload.chargingProfile.id
    : undefined;
  return typeof profile === "number" ? profile : null;
}
