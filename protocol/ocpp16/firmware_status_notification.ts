/**
 * FirmwareStatusNotification, sent by the Charge Point (OCPP 1.6 §4.5).
 * The schemas mirror `urn:FirmwareStatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { FIRMWARE_STATUSES } from "./enums.ts";

export const FirmwareStatusNotificationRequest = z.strictObject({
  status: z.enum(FIRMWARE_STATUSES),
});
export type FirmwareStatusNotificationRequest = z.infer<typeof FirmwareStatusNotificationRequest>;

export const FirmwareStatusNotificationResponse = z.strictObject({});
export type FirmwareStatusNotificationResponse = z.infer<typeof FirmwareStatusNotificationResponse>;

export const FirmwareStatusNotification = {
  summary: "Report the progress of a firmware update",
  directions: { CpToCs: "OCPP 1.6 §4.5" },
  request: FirmwareStatusNotificationRequest,
  response: FirmwareStatusNotificationResponse,
} as const satisfies ActionDefinition;
