/**
 * LogStatusNotification, sent by the Charge Point (OCPP 1.6 Security Whitepaper ed. 3 §5.13, use case N01): the progress of the
 * log upload that GetLog `requestId` asked for.
 * The schemas mirror `LogStatusNotification.json` / `LogStatusNotificationResponse.json` of the official
 * OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { integer } from "../ocppj/json_schema.ts";
import { UPLOAD_LOG_STATUSES } from "./enums.ts";

export const LogStatusNotificationRequest = z.strictObject({
  status: z.enum(UPLOAD_LOG_STATUSES),
  requestId: integer.optional(),
});
export type LogStatusNotificationRequest = z.infer<typeof LogStatusNotificationRequest>;

export const LogStatusNotificationResponse = z.strictObject({});
export type LogStatusNotificationResponse = z.infer<typeof LogStatusNotificationResponse>;

export const LogStatusNotification = {
  summary: "Report the progress of a log upload asked for by GetLog",
  directions: { CpToCs: "OCPP 1.6 Security Whitepaper ed. 3 §5.13" },
  request: LogStatusNotificationRequest,
  response: LogStatusNotificationResponse,
} as const satisfies ActionDefinition;
