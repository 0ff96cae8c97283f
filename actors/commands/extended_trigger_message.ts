import type { Command } from "./command.ts";

/**
 * The action each requested message arrives as (Security Whitepaper ed. 3 §5.5, use cases A02, L01 and N01:
 * a certificate signing request, the signed firmware's status).
 */
const TRIGGERED: Record<string, readonly string[]> = {
  SignChargePointCertificate: ["SignCertificate"],
  FirmwareStatusNotification: ["SignedFirmwareStatusNotification", "FirmwareStatusNotification"],
};

/** OCPP 1.6 Security Whitepaper ed. 3 §5.5: no guard; what it triggers arrives as the station's own CALLs. */
export const extendedTriggerMessage: Command<"ExtendedTriggerMessage"> = {
  triggers: (request, response) =>
    response.status === "Accepted" ? TRIGGERED[request.requestedMessage] ?? [request.requestedMessage] : [],
};
