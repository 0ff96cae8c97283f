/**
 * SignCertificate (OCPP 1.6 Security Whitepaper ed. 3 §5.17, use cases A02/A03): the CSR is checked now
 * (signature, CN = this charge point id, O = its CpoName configuration key when we know one, key type and
 * size); a good one is answered Accepted and signed after the answer, the certificate following in
 * CertificateSigned; a bad one, or a 2.0.1 request for a V2G certificate, is answered Rejected and logged as a
 * `csr_rejected` security event.
 *
 * Only a connection that authenticated gets a certificate: HTTP Basic with the station's AuthorizationKey
 * (profiles 1, 2) or a client certificate (profile 3). The whitepaper defines no profile without it (its
 * "Security profiles" are 1-3, each authenticating the Charge Point); our profile 0 (deliberately outside the
 * whitepaper) lets in anyone who claims the id, and the client certificate we would sign for them opens
 * profile 3 to them. Profiles 1 and 2 keep SignCertificate: that is how a station gets its first certificate
 * before it is moved to profile 3 ("Upgrade Charge Point Security Profile").
 */
import type { StationDetails } from "../../model/charge_point.ts";
import type { Handler } from "./handler.ts";

export const signCertificate: Handler<"SignCertificate"> = async (_state, request, ctx) => {
  const refuse = (reason: string) => ({
    response: { status: "Rejected" as const },
    securityEvents: [{ kind: "csr_rejected" as const, reason: `SignCertificate refused: ${reason}` }],
  });
  if (!ctx.csr) return refuse("this Central System has no certificate authority");
  if (ctx.securityProfile === 0) {
    return refuse(
      "the connection is not authenticated (security profile 0: no AuthorizationKey, no client certificate); " +
        "set security profile 1 or higher for this station to issue it a certificate",
    );
  }
  // OCPP 2.0.1 names the use: our CA issues the station's client certificate, never an ISO 15118 one, and a
  // CertificateSigned without a type would make the station use it for both.
  if ((request as { certificateType?: string }).certificateType === "V2GCertificate") {
    return refuse("V2G (ISO 15118) certificates are not issued by this Central System");
  }
  const cpoName = cpoNameOf(await ctx.details());
  const check = await ctx.csr.check(request.csr, { chargePointId: ctx.chargePointId, cpoName });
  if (!check.ok) return refuse(check.reason);
  return {
    response: { status: "Accepted" },
    followUps: [{ type: "signCertificate", csr: request.csr, cpoName }],
    log: [{ level: "info", msg: "certificate signing request accepted", fields: { cpoName } }],
  };
};

/** The station's CpoName configuration key as last read (GetConfiguration), or null. */
export function cpoNameOf(details: Pick<StationDetails, "configuration">): string | null {
  const value = details.configuration?.find((k) => k.key === "CpoName")?.value;
  return value === undefined || value === "" ? null : value;
}
