/**
 * OCPP 1.6 §6 RemoteStopTransaction, sent by the Central System to the Charge Point.
 * Mirrors `urn:RemoteStopTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES } from "./enums.ts";
import { integer } from "./common.ts";

export const RemoteStopTransactionRequest = z.object({
  transactionId: integer,
}).strict();
export type RemoteStopTransactionRequest = z.infer<typeof RemoteStopTransactionRequest>;

export const RemoteStopTransactionResponse = z.object({
  status: z.enum(GENERIC_STATUSES),
}).strict();
export type RemoteStopTransactionResponse = z.infer<typeof RemoteStopTransactionResponse>;
