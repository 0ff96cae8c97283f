import type { Command201 } from "./command.ts";

/** The certificate requests arrive as SignCertificate (OCPP 2.0.1 A02, A03, M06); the rest by their name. */
const SIGN_CERTIFICATE = new Set([
  "SignChargingStationCertificate",
  "SignV2GCertificate",
  "SignCombinedCertificate",
]);

/** OCPP 2.0.1 F06: an accepted trigger asks for a message a Pending station may then send (B02). */
export const triggerMessage: Command201<"TriggerMessage"> = {
  triggers: (request, response) => {
    if (response.status !== "Accepted") return [];
    return [SIGN_CERTIFICATE.has(request.requestedMessage) ? "SignCertificate" : request.requestedMessage];
  },
};
