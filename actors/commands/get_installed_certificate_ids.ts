import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.7: no guard; the answer is the operator's to read (the command log keeps it). */
export const getInstalledCertificateIds: Command<"GetInstalledCertificateIds"> = {};
