/**
 * OCPP 1.6 §6 StatusNotification, sent by the Charge Point to the Central System.
 * Mirrors `urn:StatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CHARGE_POINT_ERROR_CODES, CHARGE_POINT_STATUSES } from "./enums.ts";
import { dateTime, integer } from "../ocppj/json_schema.ts";
import { CiString255, CiString50 } from "./common.ts";

export const StatusNotificationRequest = z.strictObject({
  connectorId: integer,
  errorCode: z.enum(CHARGE_POINT_ERROR_CODES),
  info: CiString50.optional(),
  status: z.enum(CHARGE_POINT_STATUSES),
  timestamp: dateTime.optional(),
  vendorId: CiString255.optional(),
  vendorErrorCode: CiString50.optional(),
});
export type StatusNotificationRequest = z.infer<typeof StatusNotificationRequest>;

export const StatusNotificationResponse = z.strictObject({});
export type StatusNotificationResponse = z.infer<typeof StatusNotificationResponse>;
