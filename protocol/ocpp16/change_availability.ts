/**
 * ChangeAvailability, sent by the Central System (OCPP 1.6 §5.2).
 * The schemas mirror `urn:ChangeAvailability.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const ChangeAvailability = {
  summary: "Make the Charge Point (connector 0) or a connector operative or inoperative",
  directions: { CsToCp: "OCPP 1.6 §5.2" },
  request: ChangeAvailabilityRequest,
  response: ChangeAvailabilityResponse,
} as const satisfies ActionDefinition;
