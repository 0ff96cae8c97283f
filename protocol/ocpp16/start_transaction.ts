/**
 * OCPP 1.6 §6 StartTransaction, sent by the Charge Point to the Central System.
 * Mirrors `urn:StartTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { dateTime, integer } from "../ocppj/json_schema.ts";
import { IdTagInfo, IdToken } from "./common.ts";

export const StartTransactionRequest = z.strictObject({
  connectorId: integer,
  idTag: IdToken,
  /** Wh. */
  meterStart: integer,
  reservationId: integer.optional(),
  timestamp: dateTime,
});
export type StartTransactionRequest = z.infer<typeof StartTransactionRequest>;

export const StartTransactionResponse = z.strictObject({
  idTagInfo: IdTagInfo,
  transactionId: integer,
});
export type StartTransactionResponse = z.infer<typeof StartTransactionResponse>;
