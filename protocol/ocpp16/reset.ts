/**
 * Reset, sent by the Central System (OCPP 1.6 §5.14).
 * The schemas mirror `urn:Reset.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { GENERIC_STATUSES, RESET_TYPES } from "./enums.ts";

export const ResetRequest = z.strictObject({
  type: z.enum(RESET_TYPES),
});
export type ResetRequest = z.infer<typeof ResetRequest>;

export const ResetResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type ResetResponse = z.infer<typeof ResetResponse>;

export const Reset = {
  summary: "Reboot the Charge Point, Soft or Hard",
  directions: { CsToCp: "OCPP 1.6 §5.14" },
  request: ResetRequest,
  response: ResetResponse,
} as const satisfies ActionDefinition;
