/**
 * OCPP 1.6 §6 GetDiagnostics, sent by the Central System to the Charge Point.
 * Mirrors `urn:GetDiagnostics.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CiString255, dateTime, integer, uri } from "./common.ts";

export const GetDiagnosticsRequest = z.object({
  location: uri,
  retries: integer.optional(),
  retryInterval: integer.optional(),
  startTime: dateTime.optional(),
  stopTime: dateTime.optional(),
}).strict();
export type GetDiagnosticsRequest = z.infer<typeof GetDiagnosticsRequest>;

export const GetDiagnosticsResponse = z.object({
  fileName: CiString255.optional(),
}).strict();
export type GetDiagnosticsResponse = z.infer<typeof GetDiagnosticsResponse>;
