import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.11: no guard; the answer teaches the snapshot nothing we keep. */
export const installCertificate: Command<"InstallCertificate"> = {};
