/** OCPP 2.0.1 for the actor: the protocol's action table with our 2.0.1 handlers and commands. */
import { OCPP201 } from "../protocol/ocpp201/mod.ts";
import { COMMANDS_201 } from "./commands/ocpp201/mod.ts";
import type { ActorDialect } from "./dialect.ts";
import { HANDLERS_201 } from "./handlers/ocpp201/mod.ts";

export const OCPP201_ACTOR: ActorDialect = {
  protocol: OCPP201,
  handlers: HANDLERS_201,
  commands: COMMANDS_201,
  // OCPP 2.0.1 E and J: the messages that carry transaction data keep every reading (NUL replaced).
  transactionMessages: new Set(["TransactionEvent", "MeterValues"]),
  continuesSession: (action, request) =>
    action === "MeterValues" ||
    (action === "TransactionEvent" && (request as { eventType?: string }).eventType !== "Started"),
  checkCommands: true,
};
