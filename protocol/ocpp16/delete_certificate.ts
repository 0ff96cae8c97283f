/**
 * DeleteCertificate, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.3, use case M04): remove an installed root
 * certificate, named by its hash data (from GetInstalledCertificateIds).
 * The schemas mirror `DeleteCertificate.json` / `DeleteCertificateResponse.json` of the official OCPP 1.6
 * security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { CertificateHashData } from "./common.ts";
import { DELETE_CERTIFICATE_STATUSES } from "./enums.ts";

export const DeleteCertificateRequest = z.strictObject({
  certificateHashData: CertificateHashData,
});
export type DeleteCertificateRequest = z.infer<typeof DeleteCertificateRequest>;

export const DeleteCertificateResponse = z.strictObject({
  status: z.enum(DELETE_CERTIFICATE_STATUSES),
});
export type DeleteCertificateResponse = z.infer<typeof DeleteCertificateResponse>;

export const DeleteCertificate = {
  summary: "Remove an installed root certificate from the Charge Point",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.3" },
  request: DeleteCertificateRequest,
  response: DeleteCertificateResponse,
} as const satisfies ActionDefinition;
