/**
 * DiagnosticsStatusNotification, sent by the Charge Point (OCPP 1.6 §4.4).
 * The schemas mirror `urn:DiagnosticsStatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { DIAGNOSTICS_STATUSES } from "./enums.ts";

export const DiagnosticsStatusNotificationRequest = z.strictObject({
  status: z.enum(DIAGNOSTICS_STATUSES),
});
export type DiagnosticsStatusNotificationRequest = z.infer<typeof DiagnosticsStatusNotificationRequest>;

export const DiagnosticsStatusNotificationResponse = z.strictObject({});
export type DiagnosticsStatusNotificationResponse = z.infer<typeof DiagnosticsStatusNotificationResponse>;

export const DiagnosticsStatusNotification = {
  summary: "Report the progress of a diagnostics upload",
  directions: { CpToCs: "OCPP 1.6 §4.4" },
  request: DiagnosticsStatusNotificationRequest,
  response: DiagnosticsStatusNotificationResponse,
} as const satisfies ActionDefinition;
