/**
 * ClearCache, sent by the Central System (OCPP 1.6 §5.4).
 * The schemas mirror `urn:ClearCache.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { GENERIC_STATUSES } from "./enums.ts";

export const ClearCacheRequest = z.strictObject({});
export type ClearCacheRequest = z.infer<typeof ClearCacheRequest>;

export const ClearCacheResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type ClearCacheResponse = z.infer<typeof ClearCacheResponse>;

export const ClearCache = {
  summary: "Clear the Charge Point's authorization cache",
  directions: { CsToCp: "OCPP 1.6 §5.4" },
  request: ClearCacheRequest,
  response: ClearCacheResponse,
} as const satisfies ActionDefinition;
