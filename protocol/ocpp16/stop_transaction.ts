/**
 * StopTransaction, sent by the Charge Point (OCPP 1.6 §4.10).
 * The schemas mirror `urn:StopTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { STOP_REASONS } from "./enums.ts";
import { dateTime, exactInteger, integer } from "../ocppj/json_schema.ts";
import { IdTagInfo, IdToken, MeterValue } from "./common.ts";

export const StopTransactionRequest = z.strictObject({
  idTag: IdToken.optional(),
  /** Wh. */
  meterStop: exactInteger,
  timestamp: dateTime,
  transactionId: integer,
  reason: z.enum(STOP_REASONS).optional(),
  transactionData: z.array(MeterValue).optional(),
});
export type StopTransactionRequest = z.infer<typeof StopTransactionRequest>;

export const StopTransactionResponse = z.strictObject({
  idTagInfo: IdTagInfo.optional(),
});
export type StopTransactionResponse = z.infer<typeof StopTransactionResponse>;

export const StopTransaction = {
  summary: "Report that a transaction stopped, with its final meter reading",
  directions: { CpToCs: "OCPP 1.6 §4.10" },
  request: StopTransactionRequest,
  response: StopTransactionResponse,
} as const satisfies ActionDefinition;
