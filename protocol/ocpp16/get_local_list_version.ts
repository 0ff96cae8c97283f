/**
 * GetLocalListVersion, sent by the Central System (OCPP 1.6 §5.10).
 * The schemas mirror `urn:GetLocalListVersion.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { integer } from "../ocppj/json_schema.ts";

export const GetLocalListVersionRequest = z.strictObject({});
export type GetLocalListVersionRequest = z.infer<typeof GetLocalListVersionRequest>;

export const GetLocalListVersionResponse = z.strictObject({
  listVersion: integer,
});
export type GetLocalListVersionResponse = z.infer<typeof GetLocalListVersionResponse>;

export const GetLocalListVersion = {
  summary: "Read the version of the local authorization list",
  directions: { CsToCp: "OCPP 1.6 §5.10" },
  request: GetLocalListVersionRequest,
  response: GetLocalListVersionResponse,
} as const satisfies ActionDefinition;
