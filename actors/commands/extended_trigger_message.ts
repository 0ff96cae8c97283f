import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.5: no guard; what it triggers arrives as the station's own CALLs. */
export const extendedTriggerMessage: Command<"ExtendedTriggerMessage"> = {};
