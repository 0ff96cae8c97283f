/** Issued certificate records for store tests (not real X.509: the stores keep what they are given). */
import type { SignedCertificate } from "../../model/certificates.ts";

/** A certificate signed for `chargePointId` at `issuedAt` (ISO), valid from then until `notAfter`. */
export function signedCertificate(
  serialNumber: string,
  chargePointId: string,
  issuedAt: string,
  notAfter = "2025-05-01T10:00:00.000Z",
): SignedCertificate {
  return {
    serialNumber,
    chargePointId,
    subject: `CN=${chargePointId}`,
    key: "EC P-256",
    notBefore: issuedAt,
    notAfter,
    fingerprintSha256: "ab".repeat(32),
    certificatePem: "PEM",
    issuedAt,
    renewalRequestedAt: null,
  };
}
