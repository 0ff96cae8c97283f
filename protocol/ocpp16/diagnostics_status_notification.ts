/**
 * OCPP 1.6 §6 DiagnosticsStatusNotification, sent by the Charge Point to the Central System.
 * Mirrors `urn:DiagnosticsStatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { DIAGNOSTICS_STATUSES } from "./enums.ts";

export const DiagnosticsStatusNotificationRequest = z.strictObject({
  status: z.enum(DIAGNOSTICS_STATUSES),
});
export type DiagnosticsStatusNotificationRequest = z.infer<typeof DiagnosticsStatusNotificationRequest>;

export const DiagnosticsStatusNotificationResponse = z.strictObject({});
export type DiagnosticsStatusNotificationResponse = z.infer<typeof DiagnosticsStatusNotificationResponse>;
