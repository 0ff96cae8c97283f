/**
 * UnlockConnector, sent by the Central System (OCPP 1.6 §5.18).
 * The schemas mirror `urn:UnlockConnector.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const UnlockConnector = {
  summary: "Unlock a connector",
  directions: { CsToCp: "OCPP 1.6 §5.18" },
  request: UnlockConnectorRequest,
  response: UnlockConnectorResponse,
} as const satisfies ActionDefinition;
