/**
 * OCPP 1.6 §6 Reset, sent by the Central System to the Charge Point.
 * Mirrors `urn:Reset.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES, RESET_TYPES } from "./enums.ts";

export const ResetRequest = z.strictObject({
  type: z.enum(RESET_TYPES),
});
export type ResetRequest = z.infer<typeof ResetRequest>;

export const ResetResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type ResetResponse = z.infer<typeof ResetResponse>;
