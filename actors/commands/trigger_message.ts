import type { Command } from "./command.ts";

/** OCPP 1.6 §5.17: no guard; the answer teaches the snapshot nothing we keep. */
export const triggerMessage: Command<"TriggerMessage"> = {};
