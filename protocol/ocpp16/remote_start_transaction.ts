/**
 * RemoteStartTransaction, sent by the Central System (OCPP 1.6 §5.11).
 * The schemas mirror `urn:RemoteStartTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { GENERIC_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";
import { ChargingProfile, IdToken } from "./common.ts";

export const RemoteStartTransactionRequest = z.strictObject({
  connectorId: integer.optional(),
  idTag: IdToken,
  chargingProfile: ChargingProfile.optional(),
});
export type RemoteStartTransactionRequest = z.infer<typeof RemoteStartTransactionRequest>;

export const RemoteStartTransactionResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type RemoteStartTransactionResponse = z.infer<typeof RemoteStartTransactionResponse>;

export const RemoteStartTransaction = {
  summary: "Start a transaction remotely",
  directions: { CsToCp: "OCPP 1.6 §5.11" },
  request: RemoteStartTransactionRequest,
  response: RemoteStartTransactionResponse,
} as const satisfies ActionDefinition;
