/**
 * UpdateFirmware, sent by the Central System (OCPP 1.6 §5.19).
 * The schemas mirror `urn:UpdateFirmware.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime, integer, uri } from "../ocppj/json_schema.ts";

export const UpdateFirmwareRequest = z.strictObject({
  location: uri,
  retries: integer.optional(),
  retrieveDate: dateTime,
  retryInterval: integer.optional(),
});
export type UpdateFirmwareRequest = z.infer<typeof UpdateFirmwareRequest>;

export const UpdateFirmwareResponse = z.strictObject({});
export type UpdateFirmwareResponse = z.infer<typeof UpdateFirmwareResponse>;

export const UpdateFirmware = {
  summary: "Ask the Charge Point to download and install new firmware",
  directions: { CsToCp: "OCPP 1.6 §5.19" },
  request: UpdateFirmwareRequest,
  response: UpdateFirmwareResponse,
} as const satisfies ActionDefinition;
