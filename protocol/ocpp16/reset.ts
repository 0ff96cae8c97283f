/**
 * OCPP 1.6 §6 Reset, sent by the Central System to the Charge Point.
 * Mirrors `urn:Reset.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES, RESET_TYPES } from "./enums.ts";

export const ResetRequest = z.object({
  type: z.enum(RESET_TYPES),
}).strict();
export type ResetRequest = z.infer<typeof ResetRequest>;

export const ResetResponse = z.object({
  status: z.enum(GENERIC_STATUSES),
}).strict();
export type ResetResponse = z.infer<typeof ResetResponse>;
