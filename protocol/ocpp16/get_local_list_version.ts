/**
 * OCPP 1.6 §6 GetLocalListVersion, sent by the Central System to the Charge Point.
 * Mirrors `urn:GetLocalListVersion.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { integer } from "../ocppj/json_schema.ts";

export const GetLocalListVersionRequest = z.strictObject({});
export type GetLocalListVersionRequest = z.infer<typeof GetLocalListVersionRequest>;

export const GetLocalListVersionResponse = z.strictObject({
  listVersion: integer,
});
export type GetLocalListVersionResponse = z.infer<typeof GetLocalListVersionResponse>;
