/**
 * OCPP 1.6 §6 ChangeAvailability, sent by the Central System to the Charge Point.
 * Mirrors `urn:ChangeAvailability.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { AVAILABILITY_STATUSES, AVAILABILITY_TYPES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";

export const ChangeAvailabilityRequest = z.strictObject({
  connectorId: integer,
  type: z.enum(AVAILABILITY_TYPES),
});
export type ChangeAvailabilityRequest = z.infer<typeof ChangeAvailabilityRequest>;

export const ChangeAvailabilityResponse = z.strictObject({
  status: z.enum(AVAILABILITY_STATUSES),
});
export type ChangeAvailabilityResponse = z.infer<typeof ChangeAvailabilityResponse>;
