/**
 * OCPP 1.6 §6 ClearChargingProfile, sent by the Central System to the Charge Point.
 * Mirrors `urn:ClearChargingProfile.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CHARGING_PROFILE_PURPOSES, CLEAR_CHARGING_PROFILE_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";

export const ClearChargingProfileRequest = z.strictObject({
  id: integer.optional(),
  connectorId: integer.optional(),
  chargingProfilePurpose: z.enum(CHARGING_PROFILE_PURPOSES).optional(),
  stackLevel: integer.optional(),
});
export type ClearChargingProfileRequest = z.infer<typeof ClearChargingProfileRequest>;

export const ClearChargingProfileResponse = z.strictObject({
  status: z.enum(CLEAR_CHARGING_PROFILE_STATUSES),
});
export type ClearChargingProfileResponse = z.infer<typeof ClearChargingProfileResponse>;
