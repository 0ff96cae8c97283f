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
  /**
   * Renewal triggers in a row that the connected station did not answer in time (reset by an answer); while
   * above 0, the scan leaves it alone until `renewalRetryAt` (see `renewalBackoffMs`).
   */
  renewalUnanswered: number;
  /** Not asked to renew before this (a back-off after unanswered triggers); null when not backing off. */
  renewalRetryAt: string | null;
  /**
   * When this certificate, recorded undelivered, was sent again at its station's boot (at most once: see
   * pki/redelivery.ts); null when it never was.
   */
  redeliveredAt: string | null;
}

/**
 * How long the renewal scan leaves a certificate alone after its `unanswered`-th trigger in a row got no answer
 * in time: `baseMs` (the scan interval) doubled per unanswered trigger, `maxMs` at most (the wait after an
 * answer). Both stores compute it alike (KV here, PostgreSQL in its update).
 *
 * @example
 * ```ts
 * renewalBackoffMs(1, 600_000, 21_600_000); // 1_200_000: skips one scan
 * renewalBackoffMs(9, 600_000, 21_600_000); // 21_600_000
 * ```
 */
export function renewalBackoffMs(unanswered: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(Math.max(unanswered, 0), RENEWAL_BACKOFF_MAX_DOUBLINGS), maxMs);
}

/** Whether `text` has the shape of a serial number we issue (hex, lower case): a cursor's id must. */
export function isSerialNumber(text: string): boolean {
  return /^[0-9a-f]{1,64}$/.test(text);
}

/** Doublings counted at most (the cap is reached long before; this keeps the number finite). */
export const RENEWAL_BACKOFF_MAX_DOUBLINGS = 40;
