/**
 * SignedFirmwareStatusNotification, sent by the Charge Point (OCPP 1.6 Security Whitepaper ed. 3 §5.19, use case L01): the progress
 * of the firmware update that SignedUpdateFirmware `requestId` started, signature check included.
 * The schemas mirror `SignedFirmwareStatusNotification.json` / `SignedFirmwareStatusNotificationResponse.json`
 * of the official OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { integer } from "../ocppj/json_schema.ts";
import { SIGNED_FIRMWARE_STATUSES } from "./enums.ts";

export const SignedFirmwareStatusNotificationRequest = z.strictObject({
  status: z.enum(SIGNED_FIRMWARE_STATUSES),
  requestId: integer.optional(),
});
export type SignedFirmwareStatusNotificationRequest = z.infer<typeof SignedFirmwareStatusNotificationRequest>;

export const SignedFirmwareStatusNotificationResponse = z.strictObject({});
export type SignedFirmwareStatusNotificationResponse = z.infer<
  typeof SignedFirmwareStatusNotificationResponse
>;

export const SignedFirmwareStatusNotification = {
  summary: "Report the progress of a signed firmware update",
  directions: { CpToCs: "OCPP 1.6 Security Whitepaper ed. 3 §5.19" },
  request: SignedFirmwareStatusNotificationRequest,
  response: SignedFirmwareStatusNotificationResponse,
} as const satisfies ActionDefinition;
