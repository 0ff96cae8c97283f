import type { Command } from "./command.ts";

/** OCPP 1.6 §5.5: no guard; the answer teaches the snapshot nothing we keep. */
export const clearChargingProfile: Command<"ClearChargingProfile"> = {};
