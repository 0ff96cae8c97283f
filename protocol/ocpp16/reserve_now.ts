/**
 * OCPP 1.6 §6 ReserveNow, sent by the Central System to the Charge Point.
 * Mirrors `urn:ReserveNow.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { RESERVATION_STATUSES } from "./enums.ts";
import { dateTime, IdToken, integer } from "./common.ts";

export const ReserveNowRequest = z.object({
  connectorId: integer,
  expiryDate: dateTime,
  idTag: IdToken,
  parentIdTag: IdToken.optional(),
  reservationId: integer,
}).strict();
export type ReserveNowRequest = z.infer<typeof ReserveNowRequest>;

export const ReserveNowResponse = z.object({
  status: z.enum(RESERVATION_STATUSES),
}).strict();
export type ReserveNowResponse = z.infer<typeof ReserveNowResponse>;
