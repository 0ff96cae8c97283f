/**
 * OCPP 1.6 §6 RemoteStartTransaction, sent by the Central System to the Charge Point.
 * Mirrors `urn:RemoteStartTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { GENERIC_STATUSES } from "./enums.ts";
import { ChargingProfile, IdToken, integer } from "./common.ts";

export const RemoteStartTransactionRequest = z.object({
  connectorId: integer.optional(),
  idTag: IdToken,
  chargingProfile: ChargingProfile.optional(),
}).strict();
export type RemoteStartTransactionRequest = z.infer<typeof RemoteStartTransactionRequest>;

export const RemoteStartTransactionResponse = z.object({
  status: z.enum(GENERIC_STATUSES),
}).strict();
export type RemoteStartTransactionResponse = z.infer<typeof RemoteStartTransactionResponse>;
