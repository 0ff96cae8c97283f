/**
 * OCPP 1.6 §6 StartTransaction, sent by the Charge Point to the Central System.
 * Mirrors `urn:StartTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { dateTime, IdTagInfo, IdToken, integer } from "./common.ts";

export const StartTransactionRequest = z.object({
  connectorId: integer,
  idTag: IdToken,
  /** Wh. */
  meterStart: integer,
  reservationId: integer.optional(),
  timestamp: dateTime,
}).strict();
export type StartTransactionRequest = z.infer<typeof StartTransactionRequest>;

export const StartTransactionResponse = z.object({
  idTagInfo: IdTagInfo,
  transactionId: integer,
}).strict();
export type StartTransactionResponse = z.infer<typeof StartTransactionResponse>;
