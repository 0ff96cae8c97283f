/**
 * What the station PKI keeps (OCPP 1.6 Security extension): the CA that signs station certificates and every
 * certificate it issued, with serial and expiry and what became of its delivery, so renewals can be triggered
 * before a station's certificate runs out (ExtendedTriggerMessage SignChargePointCertificate).
 *
 * A certificate is its station's only once the station installed it: CertificateSigned answered Accepted. One
 * it rejected, one that never reached it, or one whose delivery was cut short (a crash between signing and the
 * answer: "pending" until the sweep of stale pending certificates calls it "undelivered") is kept for the
 * record but is nobody's current certificate.
 */

/** The CA generated at first start, as stored (an operator's CA given by path is never stored). */
export interface StoredCa {
  /** The CA certificate, PEM. */
  certificatePem: string;
  /** Its PKCS #8 private key, PEM: a secret, kept only in the store (see README, "Station PKI"). */
  privateKeyPem: string;
  createdAt: string;
}

/**
 * What became of the CertificateSigned that carried a certificate: `pending` until known; `accepted` (the
 * station installed it), `rejected` (it answered Rejected or with a CALLERROR), `undelivered` (not connected,
 * no answer in time, the connection closed, or no outcome recorded long after signing: a restart); `unknown`
 * for certificates issued before outcomes were recorded.
 */
export const CERTIFICATE_DELIVERIES = ["pending", "accepted", "rejected", "undelivered", "unknown"] as const;
export type CertificateDelivery = typeof CERTIFICATE_DELIVERIES[number];

/**
 * Whether an outcome `next` replaces the recorded `delivery`. A pending certificate takes any outcome. An
 * undelivered one takes the station's answer heard later: `undelivered` says only that we heard none, e.g. the
 * sweep that settles certificates left pending by a restart, which may run before a node that was slow to hear
 * the station (or to store its answer) records it; an Accepted answer means the station uses the certificate,
 * so it must become its current one. A station's answer stays, as does `unknown`.
 */
export function replacesDelivery(delivery: CertificateDelivery, next: DeliveryOutcome["delivery"]): boolean {
  return delivery === "pending" || (delivery === "undelivered" && next !== "undelivered");
}

/** A delivery's outcome, as recorded: the station's answer or why it got none. */
export interface DeliveryOutcome {
  delivery: "accepted" | "rejected" | "undelivered";
  /** What the station answered or what went wrong (sentence case); null when Accepted. */
  detail: string | null;
}

/** One certificate the CA signed for a station, as known when it is signed. */
export interface SignedCertificate {
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

/** A signed certificate with what became of its delivery, as the store answers it. */
export interface IssuedCertificate extends SignedCertificate {
  delivery: CertificateDelivery;
  /** When the outcome was recorded; null while pending (and for `unknown`). */
  deliveredAt: string | null;
  /** See `DeliveryOutcome.detail`. */
  deliveryDetail: string | null;
  /**
   * Whether this is the station's current certificate: the newest (by issuedAt) it accepted. Only a current
   * certificate is renewed.
   */
  current: boolean;
}

/** Whether `text` has the shape of a serial number we issue (hex, lower case): a cursor's id must. */
export function isSerialNumber(text: string): boolean {
  return /^[0-9a-f]{1,64}$/.test(text);
}
