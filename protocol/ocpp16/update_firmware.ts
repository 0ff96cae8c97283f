/**
 * OCPP 1.6 §6 UpdateFirmware, sent by the Central System to the Charge Point.
 * Mirrors `urn:UpdateFirmware.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
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
