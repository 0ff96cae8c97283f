/**
 * InstallCertificate, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.11, use case M05): install a root
 * certificate (ours, to verify the Central System's TLS certificate, or a manufacturer's, to verify firmware).
 * The schemas mirror `InstallCertificate.json` / `InstallCertificateResponse.json` of the official OCPP 1.6
 * security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { maxLengthString } from "../ocppj/json_schema.ts";
import { CERTIFICATE_USES, INSTALL_CERTIFICATE_STATUSES } from "./enums.ts";

export const InstallCertificateRequest = z.strictObject({
  certificateType: z.enum(CERTIFICATE_USES),
  certificate: maxLengthString(5500),
});
export type InstallCertificateRequest = z.infer<typeof InstallCertificateRequest>;

export const InstallCertificateResponse = z.strictObject({
  status: z.enum(INSTALL_CERTIFICATE_STATUSES),
});
export type InstallCertificateResponse = z.infer<typeof InstallCertificateResponse>;

export const InstallCertificate = {
  summary: "Install a root certificate (PEM) on the Charge Point",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.11" },
  request: InstallCertificateRequest,
  response: InstallCertificateResponse,
} as const satisfies ActionDefinition;
