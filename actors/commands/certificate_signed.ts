import type { Command } from "./command.ts";

/** OCPP 1.6 Security Whitepaper ed. 3 §5.1: no guard (the station checks the chain); the answer teaches the snapshot nothing (issued certificates are recorded by the PKI). */
export const certificateSigned: Command<"CertificateSigned"> = {};
