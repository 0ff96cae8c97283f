/**
 * OCPP 1.6 §6 GetLocalListVersion, sent by the Central System to the Charge Point.
 * Mirrors `urn:GetLocalListVersion.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { integer } from "./common.ts";

export const GetLocalListVersionRequest = z.object({}).strict();
export type GetLocalListVersionRequest = z.infer<typeof GetLocalListVersionRequest>;

export const GetLocalListVersionResponse = z.object({
  listVersion: integer,
}).strict();
export type GetLocalListVersionResponse = z.infer<typeof GetLocalListVersionResponse>;
