/**
 * OCPP 1.6 §6 UnlockConnector, sent by the Central System to the Charge Point.
 * Mirrors `urn:UnlockConnector.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { UNLOCK_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";

export const UnlockConnectorRequest = z.strictObject({
  connectorId: integer,
});
export type UnlockConnectorRequest = z.infer<typeof UnlockConnectorRequest>;

export const UnlockConnectorResponse = z.strictObject({
  status: z.enum(UNLOCK_STATUSES),
});
export type UnlockConnectorResponse = z.infer<typeof UnlockConnectorResponse>;
