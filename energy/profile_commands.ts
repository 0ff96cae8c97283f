/**
 * An operator's SetChargingProfile of either dialect, as load management meets it: the profile it sets and the
 * body paths of its id and stack level (a clash names the field; `LoadManager.operatorProfileClash`). Routes and
 * fleet jobs both send such commands.
 */
import type { ProfileClash } from "./load_manager.ts";

export interface CommandProfile {
  profile: { chargingProfileId: number; stackLevel: number; chargingProfilePurpose: string };
  fields: Record<ProfileClash["field"], string>;
}

/** The profile a SetChargingProfile sets (its shape says its dialect); null for any other command. */
export function profileOfCommand(action: string, payload: unknown): CommandProfile | null {
  if (action !== "SetChargingProfile" || typeof payload !== "object" || payload === null) return null;
  const p16 = (payload as { csChargingProfiles?: CommandProfile["profile"] }).csChargingProfiles;
  if (p16) {
    return {
      profile: p16,
      fields: {
        chargingProfileId: "csChargingProfiles.chargingProfileId",
        stackLevel: "csChargingProfiles.stackLevel",
      },
    };
  }
  const p201 =
    (payload as { chargingProfile?: { id: number; stackLevel: number; chargingProfilePurpose: string } })
      .chargingProfile;
  if (!p201) return null;
  return {
    profile: {
      chargingProfileId: p201.id,
      stackLevel: p201.stackLevel,
      chargingProfilePurpose: p201.chargingProfilePurpose,
    },
    fields: { chargingProfileId: "chargingProfile.id", stackLevel: "chargingProfile.stackLevel" },
  };
}
