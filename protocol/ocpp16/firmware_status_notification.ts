/**
 * OCPP 1.6 §6 FirmwareStatusNotification, sent by the Charge Point to the Central System.
 * Mirrors `urn:FirmwareStatusNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { FIRMWARE_STATUSES } from "./enums.ts";

export const FirmwareStatusNotificationRequest = z.strictObject({
  status: z.enum(FIRMWARE_STATUSES),
});
export type FirmwareStatusNotificationRequest = z.infer<typeof FirmwareStatusNotificationRequest>;

export const FirmwareStatusNotificationResponse = z.strictObject({});
export type FirmwareStatusNotificationResponse = z.infer<typeof FirmwareStatusNotificationResponse>;
