/**
 * SignCertificate, sent by the Charge Point (OCPP 1.6 Security Whitepaper ed. 3 §5.17, use cases A02/A03): a PEM certificate
 * signing request (RFC 2986) for its own client certificate; the answer only says whether we will process
 * it, the certificate follows in CertificateSigned.
 * The schemas mirror `SignCertificate.json` / `SignCertificateResponse.json` of the official OCPP 1.6
 * security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { maxLengthString } from "../ocppj/json_schema.ts";
import { GENERIC_STATUSES } from "./enums.ts";

export const SignCertificateRequest = z.strictObject({
  csr: maxLengthString(5500),
});
export type SignCertificateRequest = z.infer<typeof SignCertificateRequest>;

export const SignCertificateResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
});
export type SignCertificateResponse = z.infer<typeof SignCertificateResponse>;

export const SignCertificate = {
  summary: "Ask the Central System to sign a certificate signing request",
  directions: { CpToCs: "OCPP 1.6 Security Whitepaper ed. 3 §5.17" },
  request: SignCertificateRequest,
  response: SignCertificateResponse,
} as const satisfies ActionDefinition;
