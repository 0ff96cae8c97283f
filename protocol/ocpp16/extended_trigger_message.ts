/**
 * ExtendedTriggerMessage, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.5, use case F06): TriggerMessage with
 * the security messages added, SignChargePointCertificate above all (it starts a certificate renewal).
 * The schemas mirror `ExtendedTriggerMessage.json` / `ExtendedTriggerMessageResponse.json` of the official
 * OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { integer } from "../ocppj/json_schema.ts";
import { EXTENDED_MESSAGE_TRIGGERS, TRIGGER_MESSAGE_STATUSES } from "./enums.ts";

export const ExtendedTriggerMessageRequest = z.strictObject({
  requestedMessage: z.enum(EXTENDED_MESSAGE_TRIGGERS),
  connectorId: integer.optional(),
});
export type ExtendedTriggerMessageRequest = z.infer<typeof ExtendedTriggerMessageRequest>;

export const ExtendedTriggerMessageResponse = z.strictObject({
  status: z.enum(TRIGGER_MESSAGE_STATUSES),
});
export type ExtendedTriggerMessageResponse = z.infer<typeof ExtendedTriggerMessageResponse>;

export const ExtendedTriggerMessage = {
  summary: "Ask the Charge Point to send a message now, security messages included",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.5" },
  request: ExtendedTriggerMessageRequest,
  response: ExtendedTriggerMessageResponse,
} as const satisfies ActionDefinition;
