/**
 * ReserveNow, sent by the Central System (OCPP 1.6 §5.13).
 * The schemas mirror `urn:ReserveNow.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { RESERVATION_STATUSES } from "./enums.ts";
import { dateTime, integer } from "../ocppj/json_schema.ts";
import { IdToken } from "./common.ts";

export const ReserveNowRequest = z.strictObject({
  connectorId: integer,
  expiryDate: dateTime,
  idTag: IdToken,
  parentIdTag: IdToken.optional(),
  reservationId: integer,
});
export type ReserveNowRequest = z.infer<typeof ReserveNowRequest>;

export const ReserveNowResponse = z.strictObject({
  status: z.enum(RESERVATION_STATUSES),
});
export type ReserveNowResponse = z.infer<typeof ReserveNowResponse>;

export const ReserveNow = {
  summary: "Reserve a connector for an idTag",
  directions: { CsToCp: "OCPP 1.6 §5.13" },
  request: ReserveNowRequest,
  response: ReserveNowResponse,
} as const satisfies ActionDefinition;
