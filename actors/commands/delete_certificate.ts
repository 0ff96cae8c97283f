import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.3: no guard; the answer teaches the snapshot nothing we keep. */
export const deleteCertificate: Command<"DeleteCertificate"> = {};
