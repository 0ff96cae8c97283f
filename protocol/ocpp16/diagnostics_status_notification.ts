/**
 * OCPP 1.6 §6 DiagnosticsStatusNotification, sent by the Charge Point to the Central System.
 * Mirrors `urn:DiagnosticsStatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { DIAGNOSTICS_STATUSES } from "./enums.ts";

export const DiagnosticsStatusNotificationRequest = z.object({
  status: z.enum(DIAGNOSTICS_STATUSES),
}).strict();
export type DiagnosticsStatusNotificationRequest = z.infer<typeof DiagnosticsStatusNotificationRequest>;

export const DiagnosticsStatusNotificationResponse = z.object({}).strict();
export type DiagnosticsStatusNotificationResponse = z.infer<typeof DiagnosticsStatusNotificationResponse>;
