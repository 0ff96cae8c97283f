/**
 * TriggerMessage, sent by the Central System (OCPP 1.6 §5.17).
 * The schemas mirror `urn:TriggerMessage.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { MESSAGE_TRIGGERS, TRIGGER_MESSAGE_STATUSES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";

export const TriggerMessageRequest = z.strictObject({
  requestedMessage: z.enum(MESSAGE_TRIGGERS),
  connectorId: integer.optional(),
});
export type TriggerMessageRequest = z.infer<typeof TriggerMessageRequest>;

export const TriggerMessageResponse = z.strictObject({
  status: z.enum(TRIGGER_MESSAGE_STATUSES),
});
export type TriggerMessageResponse = z.infer<typeof TriggerMessageResponse>;

export const TriggerMessage = {
  summary: "Ask the Charge Point to send a message now",
  directions: { CsToCp: "OCPP 1.6 §5.17" },
  request: TriggerMessageRequest,
  response: TriggerMessageResponse,
} as const satisfies ActionDefinition;
