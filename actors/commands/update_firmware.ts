import type { Command } from "./command.ts";

/** OCPP 1.6 §5.19: no guard; the answer teaches the snapshot nothing we keep. */
export const updateFirmware: Command<"UpdateFirmware"> = {};
