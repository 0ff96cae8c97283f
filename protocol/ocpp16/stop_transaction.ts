/**
 * OCPP 1.6 §6 StopTransaction, sent by the Charge Point to the Central System.
 * Mirrors `urn:StopTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { STOP_REASONS } from "./enums.ts";
import { dateTime, integer } from "../ocppj/json_schema.ts";
import { IdTagInfo, IdToken, MeterValue } from "./common.ts";

export const StopTransactionRequest = z.strictObject({
  idTag: IdToken.optional(),
  /** Wh. */
  meterStop: integer,
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
