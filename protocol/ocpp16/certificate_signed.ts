/**
 * CertificateSigned, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.1, use cases A02/A03): the Charge Point
 * certificate we signed for its SignCertificate, as a PEM chain (leaf first).
 * The schemas mirror `CertificateSigned.json` / `CertificateSignedResponse.json` of the official OCPP 1.6
 * security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { maxLengthString } from "../ocppj/json_schema.ts";
import { CERTIFICATE_SIGNED_STATUSES } from "./enums.ts";

export const CertificateSignedRequest = z.strictObject({
  certificateChain: maxLengthString(10000),
});
export type CertificateSignedRequest = z.infer<typeof CertificateSignedRequest>;

export const CertificateSignedResponse = z.strictObject({
  status: z.enum(CERTIFICATE_SIGNED_STATUSES),
});
export type CertificateSignedResponse = z.infer<typeof CertificateSignedResponse>;

export const CertificateSigned = {
  summary: "Send the Charge Point its newly signed certificate chain",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.1" },
  request: CertificateSignedRequest,
  response: CertificateSignedResponse,
} as const satisfies ActionDefinition;
