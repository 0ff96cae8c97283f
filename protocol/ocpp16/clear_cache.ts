/**
 * OCPP 1.6 §6 ClearCache, sent by the Central System to the Charge Point.
 * Mirrors `urn:ClearCache.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES } from "./enums.ts";

export const ClearCacheRequest = z.strictObject({});
export type ClearCacheRequest = z.infer<typeof ClearCacheRequest>;

export const ClearCacheResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type ClearCacheResponse = z.infer<typeof ClearCacheResponse>;
