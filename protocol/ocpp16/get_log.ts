/**
 * GetLog, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.9, use case N01): ask the Charge Point to upload its
 * diagnostics or security log to `log.remoteLocation`; progress comes as LogStatusNotification with the same
 * requestId.
 * The schemas mirror `GetLog.json` / `GetLogResponse.json` of the official OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime, integer, maxLengthString } from "../ocppj/json_schema.ts";
import { LOG_STATUSES, LOG_TYPES } from "./enums.ts";

/** LogParametersType: where to upload, and which time window of the log. */
export const LogParameters = z.strictObject({
  remoteLocation: maxLengthString(512),
  oldestTimestamp: dateTime.optional(),
  latestTimestamp: dateTime.optional(),
});
export type LogParameters = z.infer<typeof LogParameters>;

export const GetLogRequest = z.strictObject({
  log: LogParameters,
  logType: z.enum(LOG_TYPES),
  requestId: integer,
  retries: integer.optional(),
  retryInterval: integer.optional(),
});
export type GetLogRequest = z.infer<typeof GetLogRequest>;

export const GetLogResponse = z.strictObject({
  status: z.enum(LOG_STATUSES),
  filename: maxLengthString(255).optional(),
});
export type GetLogResponse = z.infer<typeof GetLogResponse>;

export const GetLog = {
  summary: "Ask the Charge Point to upload its diagnostics or security log",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.9" },
  request: GetLogRequest,
  response: GetLogResponse,
} as const satisfies ActionDefinition;
