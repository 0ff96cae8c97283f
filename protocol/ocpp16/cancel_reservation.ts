/**
 * OCPP 1.6 §6 CancelReservation, sent by the Central System to the Charge Point.
 * Mirrors `urn:CancelReservation.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES } from "./enums.ts";
import { integer } from "./common.ts";

export const CancelReservationRequest = z.object({
  reservationId: integer,
}).strict();
export type CancelReservationRequest = z.infer<typeof CancelReservationRequest>;

export const CancelReservationResponse = z.object({
  status: z.enum(GENERIC_STATUSES),
}).strict();
export type CancelReservationResponse = z.infer<typeof CancelReservationResponse>;
