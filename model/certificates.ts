/**
 * What the station PKI keeps (OCPP 1.6 Security extension): the CA that signs station certificates and every
 * certificate it issued, with serial and expiry, so renewals can be triggered before a station's certificate
 * runs out (ExtendedTriggerMessage SignChargePointCertificate).
 */

/** The CA generated at first start, as stored (an operator's CA given by path is never stored). */
export interface StoredCa {
  /** The CA certificate, PEM. */
  certificatePem: string;
  /** Its PKCS #8 private key, PEM: a secret, kept only in the store (see README, "Station PKI"). */
  privateKeyPem: string;
  createdAt: string;
}

/** One certificate the CA signed for a station. */
export interface IssuedCertificate {
  /** Hex, lower case, as in the certificate (unique per CA). */
  serialNumber: string;
  chargePointId: string;
  /** The subject DN, e.g. `CN=CP-1, O=Acme`. */
  subject: string;
  /** e.g. `EC P-256`, `RSA 2048`. */
  key: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER certificate, hex. */
  fingerprintSha256: string;
  /** The certificate, PEM (public). */
  certificatePem: string;
  issuedAt: string;
  /** When we last asked the station to renew it (ExtendedTriggerMessage); null before. */
  renewalRequestedAt: string | null;
}
