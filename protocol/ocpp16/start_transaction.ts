/**
 * StartTransaction, sent by the Charge Point (OCPP 1.6 §4.8).
 * The schemas mirror `urn:StartTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime, exactInteger, integer } from "../ocppj/json_schema.ts";
import { IdTagInfo, IdToken } from "./common.ts";

export const StartTransactionRequest = z.strictObject({
  connectorId: integer,
  idTag: IdToken,
  /** Wh. */
  meterStart: exactInteger,
  reservationId: integer.optional(),
  timestamp: dateTime,
});
export type StartTransactionRequest = z.infer<typeof StartTransactionRequest>;

export const StartTransactionResponse = z.strictObject({
  idTagInfo: IdTagInfo,
  transactionId: integer,
});
export type StartTransactionResponse = z.infer<typeof StartTransactionResponse>;

export const StartTransaction = {
  summary: "Report that a transaction started; the answer authorizes its idTag and gives its transactionId",
  directions: { CpToCs: "OCPP 1.6 §4.8" },
  request: StartTransactionRequest,
  response: StartTransactionResponse,
} as const satisfies ActionDefinition;
