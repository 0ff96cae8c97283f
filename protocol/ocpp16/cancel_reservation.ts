/**
 * CancelReservation, sent by the Central System (OCPP 1.6 §5.1).
 * The schemas mirror `urn:CancelReservation.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { GENERIC_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";

export const CancelReservationRequest = z.strictObject({
  reservationId: integer,
});
export type CancelReservationRequest = z.infer<typeof CancelReservationRequest>;

export const CancelReservationResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type CancelReservationResponse = z.infer<typeof CancelReservationResponse>;

export const CancelReservation = {
  summary: "Cancel a reservation",
  directions: { CsToCp: "OCPP 1.6 §5.1" },
  request: CancelReservationRequest,
  response: CancelReservationResponse,
} as const satisfies ActionDefinition;
