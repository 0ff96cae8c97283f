/**
 * Whether certificate text is certificates: what a command gives a station (security/trust_commands.ts says who
 * may send such a command; this says what it may carry), a firmware image's signing certificate.
 */
import { x509 } from "./x509.ts";

/**
 * What is wrong with the certificate text a command gives a station (InstallCertificate's `certificate`,
 * CertificateSigned's `certificateChain`), or null: it must be PEM X.509 certificates, one for an install,
 * one or more for a chain. A station fed anything else fails in its own way.
 */
export function certificatePayloadProblem(
  action: string,
  payload: unknown,
): { field: string; message: string } | null {
  const field = action === "InstallCertificate"
    ? "certificate"
    : action === "CertificateSigned"
    ? "certificateChain"
    : null;
  if (field === null) return null;
  const pem = String((payload as Record<string, unknown>)[field] ?? "");
  if (!isPemCertificates(pem, action === "InstallCertificate" ? "one" : "some")) {
    return {
      field,
      message: action === "InstallCertificate"
        ? "certificate must be one PEM X.509 certificate"
        : "certificateChain must be PEM X.509 certificates",
    };
  }
  return null;
}

/** Whether `pem` is PEM X.509 certificates and nothing else: exactly one, or one or more. */
export function isPemCertificates(pem: string, count: "one" | "some"): boolean {
  try {
    const blocks = x509.PemConverter.decodeWithHeaders(pem);
    if (blocks.length === 0 || (count === "one" && blocks.length !== 1)) return false;
    for (const block of blocks) {
      if (block.type !== "CERTIFICATE") return false;
      new x509.X509Certificate(block.rawData);
    }
    return true;
  } catch {
    return false;
  }
}
