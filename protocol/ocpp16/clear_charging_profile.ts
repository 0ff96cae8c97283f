/**
 * ClearChargingProfile, sent by the Central System (OCPP 1.6 §5.5).
 * The schemas mirror `urn:ClearChargingProfile.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const ClearChargingProfile = {
  summary: "Clear charging profiles (all when no field is set)",
  directions: { CsToCp: "OCPP 1.6 §5.5" },
  request: ClearChargingProfileRequest,
  response: ClearChargingProfileResponse,
} as const satisfies ActionDefinition;
