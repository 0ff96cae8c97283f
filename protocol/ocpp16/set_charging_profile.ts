/**
 * OCPP 1.6 §6 SetChargingProfile, sent by the Central System to the Charge Point.
 * Mirrors `urn:SetChargingProfile.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CHARGING_PROFILE_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";
import { ChargingProfile } from "./common.ts";

export const SetChargingProfileRequest = z.strictObject({
  connectorId: integer,
  csChargingProfiles: ChargingProfile,
});
export type SetChargingProfileRequest = z.infer<typeof SetChargingProfileRequest>;

export const SetChargingProfileResponse = z.strictObject({
  status: z.enum(CHARGING_PROFILE_STATUSES),
});
export type SetChargingProfileResponse = z.infer<typeof SetChargingProfileResponse>;
