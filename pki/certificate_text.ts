/**
 * Whether certificate text is certificates: what a command gives a station (security/trust_commands.ts says who
 * may send such a command; this says what it may carry), a firmware image's signing certificate.
 */
import { hasLocationPlaceholder } from "../files/command_locations.ts";
import { x509 } from "./x509.ts";

/**
 * What is wrong with the certificate text a command gives a station (InstallCertificate's `certificate`,
 * CertificateSigned's `certificateChain`, SignedUpdateFirmware's `firmware.signingCertificate`), or null: it
 * must be PEM X.509 certificates, one for an install or a firmware signer, one or more for a chain. A station
 * fed anything else fails in its own way.
 */
export function certificatePayloadProblem(
  action: string,
  payload: unknown,
): { field: string; message: string } | null {
  if (action === "SignedUpdateFirmware") return signingCertificateProblem(payload);
  const field = action === "InstallCertificate"
    ? "certificate"
    : action === "CertificateSigned"
    ? "certificateChain"
    : null;
  if (field === null) return null;
  // A job's payload is not checked against the schema yet: anything but an object is no certificate either.
  const value = typeof payload === "object" && payload !== null
    ? (payload as Record<string, unknown>)[field]
    : undefined;
  const pem = typeof value === "string" ? value : "";
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

/**
 * SignedUpdateFirmware's `firmware.signingCertificate`: the certificate the station verifies the image's
 * signature with (Security Whitepaper ed. 3, use case L01), one PEM X.509 certificate, as an upload's must be.
 * Empty only for an uploaded image (`csms:firmware/<id>`): it is then filled from the upload, checked there.
 */
function signingCertificateProblem(payload: unknown): { field: string; message: string } | null {
  const firmware = isObject(payload) ? payload["firmware"] : undefined;
  const value = isObject(firmware) ? firmware["signingCertificate"] : undefined;
  if (value === "" && hasLocationPlaceholder("SignedUpdateFirmware", payload)) return null;
  if (typeof value === "string" && isPemCertificates(value, "one")) return null;
  return {
    field: "firmware.signingCertificate",
    message: "firmware.signingCertificate must be one PEM X.509 certificate (empty only with a " +
      "csms:firmware/<id> location: the uploaded image's is used)",
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One PEM block, from its BEGIN line to the END line of the same label. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Whether `pem` is PEM X.509 certificates and nothing else: exactly one, or one or more. */
export function isPemCertificates(pem: string, count: "one" | "some"): boolean {
  // The decoder skips text outside the blocks; the station is sent the whole string, so none may be there.
  if (pem.replace(PEM_BLOCK, "").trim() !== "") return false;
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
