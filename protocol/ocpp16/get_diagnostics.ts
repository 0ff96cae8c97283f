/**
 * GetDiagnostics, sent by the Central System (OCPP 1.6 §5.9).
 * The schemas mirror `urn:GetDiagnostics.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime, integer, uri } from "../ocppj/json_schema.ts";
import { CiString255 } from "./common.ts";

export const GetDiagnosticsRequest = z.strictObject({
  location: uri,
  retries: integer.optional(),
  retryInterval: integer.optional(),
  startTime: dateTime.optional(),
  stopTime: dateTime.optional(),
});
export type GetDiagnosticsRequest = z.infer<typeof GetDiagnosticsRequest>;

export const GetDiagnosticsResponse = z.strictObject({
  fileName: CiString255.optional(),
});
export type GetDiagnosticsResponse = z.infer<typeof GetDiagnosticsResponse>;

export const GetDiagnostics = {
  summary: "Ask the Charge Point to upload diagnostics",
  directions: { CsToCp: "OCPP 1.6 §5.9" },
  request: GetDiagnosticsRequest,
  response: GetDiagnosticsResponse,
} as const satisfies ActionDefinition;
