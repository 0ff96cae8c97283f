/**
 * RemoteStopTransaction, sent by the Central System (OCPP 1.6 §5.12).
 * The schemas mirror `urn:RemoteStopTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const RemoteStopTransaction = {
  summary: "Stop a transaction remotely",
  directions: { CsToCp: "OCPP 1.6 §5.12" },
  request: RemoteStopTransactionRequest,
  response: RemoteStopTransactionResponse,
} as const satisfies ActionDefinition;
