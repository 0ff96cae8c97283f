/**
 * OCPP 1.6 §6 TriggerMessage, sent by the Central System to the Charge Point.
 * Mirrors `urn:TriggerMessage.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { MESSAGE_TRIGGERS, TRIGGER_MESSAGE_STATUSES } from "./enums.ts";
import { integer } from "./common.ts";

export const TriggerMessageRequest = z.object({
  requestedMessage: z.enum(MESSAGE_TRIGGERS),
  connectorId: integer.optional(),
}).strict();
export type TriggerMessageRequest = z.infer<typeof TriggerMessageRequest>;

export const TriggerMessageResponse = z.object({
  status: z.enum(TRIGGER_MESSAGE_STATUSES),
}).strict();
export type TriggerMessageResponse = z.infer<typeof TriggerMessageResponse>;
