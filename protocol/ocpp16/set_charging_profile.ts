/**
 * SetChargingProfile, sent by the Central System (OCPP 1.6 §5.16).
 * The schemas mirror `urn:SetChargingProfile.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const SetChargingProfile = {
  summary: "Install a charging profile",
  directions: { CsToCp: "OCPP 1.6 §5.16" },
  request: SetChargingProfileRequest,
  response: SetChargingProfileResponse,
} as const satisfies ActionDefinition;
