/**
 * SecurityEventNotification, sent by the Charge Point (OCPP 1.6 Security Whitepaper ed. 3 §5.15, use case A04): a security event
 * the station recorded; `type` is one of the whitepaper's list (see `security_event_types.ts`) or the
 * vendor's own.
 * The schemas mirror `SecurityEventNotification.json` / `SecurityEventNotificationResponse.json` of the
 * official OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime, maxLengthString } from "../ocppj/json_schema.ts";

export const SecurityEventNotificationRequest = z.strictObject({
  type: maxLengthString(50),
  timestamp: dateTime,
  techInfo: maxLengthString(255).optional(),
});
export type SecurityEventNotificationRequest = z.infer<typeof SecurityEventNotificationRequest>;

export const SecurityEventNotificationResponse = z.strictObject({});
export type SecurityEventNotificationResponse = z.infer<typeof SecurityEventNotificationResponse>;

export const SecurityEventNotification = {
  summary: "Report a security event recorded by the Charge Point",
  directions: { CpToCs: "OCPP 1.6 Security Whitepaper ed. 3 §5.15" },
  request: SecurityEventNotificationRequest,
  response: SecurityEventNotificationResponse,
} as const satisfies ActionDefinition;
