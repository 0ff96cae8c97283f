/**
 * OCPP 1.6 §6 ChangeAvailability, sent by the Central System to the Charge Point.
 * Mirrors `urn:ChangeAvailability.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { AVAILABILITY_STATUSES, AVAILABILITY_TYPES } from "./enums.ts";
import { integer } from "./common.ts";

export const ChangeAvailabilityRequest = z.object({
  connectorId: integer,
  type: z.enum(AVAILABILITY_TYPES),
}).strict();
export type ChangeAvailabilityRequest = z.infer<typeof ChangeAvailabilityRequest>;

export const ChangeAvailabilityResponse = z.object({
  status: z.enum(AVAILABILITY_STATUSES),
}).strict();
export type ChangeAvailabilityResponse = z.infer<typeof ChangeAvailabilityResponse>;
