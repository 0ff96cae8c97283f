/**
 * OCPP 1.6 §6 ClearChargingProfile, sent by the Central System to the Charge Point.
 * Mirrors `urn:ClearChargingProfile.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CHARGING_PROFILE_PURPOSES, CLEAR_CHARGING_PROFILE_STATUSES } from "./enums.ts";
import { integer } from "./common.ts";

export const ClearChargingProfileRequest = z.object({
  id: integer.optional(),
  connectorId: integer.optional(),
  chargingProfilePurpose: z.enum(CHARGING_PROFILE_PURPOSES).optional(),
  stackLevel: integer.optional(),
}).strict();
export type ClearChargingProfileRequest = z.infer<typeof ClearChargingProfileRequest>;

export const ClearChargingProfileResponse = z.object({
  status: z.enum(CLEAR_CHARGING_PROFILE_STATUSES),
}).strict();
export type ClearChargingProfileResponse = z.infer<typeof ClearChargingProfileResponse>;
