import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.9: no guard; the upload and LogStatusNotifications follow from the station. */
export const getLog: Command<"GetLog"> = {};
