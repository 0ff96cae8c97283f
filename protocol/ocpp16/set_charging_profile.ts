/**
 * OCPP 1.6 §6 SetChargingProfile, sent by the Central System to the Charge Point.
 * Mirrors `urn:SetChargingProfile.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CHARGING_PROFILE_STATUSES } from "./enums.ts";
import { ChargingProfile, integer } from "./common.ts";

export const SetChargingProfileRequest = z.object({
  connectorId: integer,
  csChargingProfiles: ChargingProfile,
}).strict();
export type SetChargingProfileRequest = z.infer<typeof SetChargingProfileRequest>;

export const SetChargingProfileResponse = z.object({
  status: z.enum(CHARGING_PROFILE_STATUSES),
}).strict();
export type SetChargingProfileResponse = z.infer<typeof SetChargingProfileResponse>;
