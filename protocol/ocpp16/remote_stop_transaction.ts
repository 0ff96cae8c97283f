/**
 * OCPP 1.6 §6 RemoteStopTransaction, sent by the Central System to the Charge Point.
 * Mirrors `urn:RemoteStopTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";

export const RemoteStopTransactionRequest = z.strictObject({
  transactionId: integer,
});
export type RemoteStopTransactionRequest = z.infer<typeof RemoteStopTransactionRequest>;

export const RemoteStopTransactionResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type RemoteStopTransactionResponse = z.infer<typeof RemoteStopTransactionResponse>;
