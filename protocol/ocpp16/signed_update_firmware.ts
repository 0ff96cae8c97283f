/**
 * SignedUpdateFirmware, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.21, use case L01): download the firmware
 * at `firmware.location`, check its signature with the signing certificate, install it.
 * The schemas mirror `SignedUpdateFirmware.json` / `SignedUpdateFirmwareResponse.json` of the official
 * OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime, integer, maxLengthString } from "../ocppj/json_schema.ts";
import { SIGNED_UPDATE_FIRMWARE_STATUSES } from "./enums.ts";

/** FirmwareType: where the image is, when to fetch and install it, and how to check it. */
export const Firmware = z.strictObject({
  location: maxLengthString(512),
  retrieveDateTime: dateTime,
  installDateTime: dateTime.optional(),
  signingCertificate: maxLengthString(5500),
  signature: maxLengthString(800),
});
export type Firmware = z.infer<typeof Firmware>;

export const SignedUpdateFirmwareRequest = z.strictObject({
  retries: integer.optional(),
  retryInterval: integer.optional(),
  requestId: integer,
  firmware: Firmware,
});
export type SignedUpdateFirmwareRequest = z.infer<typeof SignedUpdateFirmwareRequest>;

export const SignedUpdateFirmwareResponse = z.strictObject({
  status: z.enum(SIGNED_UPDATE_FIRMWARE_STATUSES),
});
export type SignedUpdateFirmwareResponse = z.infer<typeof SignedUpdateFirmwareResponse>;

export const SignedUpdateFirmware = {
  summary: "Ask the Charge Point to install a signed firmware image",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.21" },
  request: SignedUpdateFirmwareRequest,
  response: SignedUpdateFirmwareResponse,
} as const satisfies ActionDefinition;
