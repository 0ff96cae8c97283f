/**
 * StatusNotification, sent by the Charge Point (OCPP 1.6 §4.9).
 * The schemas mirror `urn:StatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const StatusNotification = {
  summary: "Report the status or error of a connector, or of the whole Charge Point (connector 0)",
  directions: { CpToCs: "OCPP 1.6 §4.9" },
  request: StatusNotificationRequest,
  response: StatusNotificationResponse,
} as const satisfies ActionDefinition;
