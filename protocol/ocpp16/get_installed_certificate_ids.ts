/**
 * GetInstalledCertificateIds, sent by the Central System (OCPP 1.6 Security Whitepaper ed. 3 §5.7, use case M03): list the root
 * certificates of one kind installed on the Charge Point.
 * The schemas mirror `GetInstalledCertificateIds.json` / `GetInstalledCertificateIdsResponse.json` of the
 * official OCPP 1.6 security JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { CertificateHashData } from "./common.ts";
import { CERTIFICATE_USES, GET_INSTALLED_CERTIFICATE_STATUSES } from "./enums.ts";

export const GetInstalledCertificateIdsRequest = z.strictObject({
  certificateType: z.enum(CERTIFICATE_USES),
});
export type GetInstalledCertificateIdsRequest = z.infer<typeof GetInstalledCertificateIdsRequest>;

export const GetInstalledCertificateIdsResponse = z.strictObject({
  certificateHashData: z.array(CertificateHashData).min(1).optional(),
  status: z.enum(GET_INSTALLED_CERTIFICATE_STATUSES),
});
export type GetInstalledCertificateIdsResponse = z.infer<typeof GetInstalledCertificateIdsResponse>;

export const GetInstalledCertificateIds = {
  summary: "List the root certificates installed on the Charge Point",
  directions: { CsToCp: "OCPP 1.6 Security Whitepaper ed. 3 §5.7" },
  request: GetInstalledCertificateIdsRequest,
  response: GetInstalledCertificateIdsResponse,
} as const satisfies ActionDefinition;
