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
  // Readings, and events of a transaction the snapshot knows open: an event of an unknown one opens it.
  continuesSession: (action, request, record) => {
    if (action === "MeterValues") return true;
    if (action !== "TransactionEvent") return false;
    const event = request as { eventType: string; transactionInfo: { transactionId: string } };
    const open = (record.evses ?? []).some((e) => e.transactionId === event.transactionInfo.transactionId);
    return event.eventType !== "Started" && open;
  },
  // B07/B08 NotifyReport (and the other reports in parts): tbc, "to be continued".
  continuesReply: (_action, request) => (request as { tbc?: boolean }).tbc === true,
  checkCommands: true,
};
