import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.21: no guard; the progress arrives as SignedFirmwareStatusNotifications. */
export const signedUpdateFirmware: Command<"SignedUpdateFirmware"> = {};
