/**
 * OCPP 1.6 §6 RemoteStartTransaction, sent by the Central System to the Charge Point.
 * Mirrors `urn:RemoteStartTransaction.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
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
