/**
 * OCPP 1.6 §6 CancelReservation, sent by the Central System to the Charge Point.
 * Mirrors `urn:CancelReservation.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
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
