/**
 * Where the station PKI keeps its CA (when we generated it) and the certificates it issued. Implemented on
 * Deno KV (`kv/pki.ts`) and PostgreSQL (`postgres/pki.ts`, migrations 009, 030 and 032); one contract suite
 * (`contract/pki.ts`) runs against both.
 */
import type { ListCursor } from "../model/list_cursor.ts";
import type {
  DeliveryOutcome,
  IssuedCertificate,
  SignedCertificate,
  StoredCa,
} from "../model/certificates.ts";

export interface PkiStore {
  getCa(): Promise<StoredCa | null>;
  /**
   * Stores `ca` unless a CA is stored already, and returns the stored one: processes starting together on one
   * store all end up with the same CA.
   */
  putCaIfAbsent(ca: StoredCa): Promise<StoredCa>;
  /**
   * Stores a newly signed certificate, its delivery `pending`: it is nobody's current certificate until
   * `recordDelivery()` says its station accepted it. A serial number stored already is an error.
   */
  addIssuedCertificate(certificate: SignedCertificate): Promise<void>;
  /**
   * Records what became of a pending certificate's CertificateSigned, at `at`; `accepted` makes it its
   * station's current certificate unless the current one was issued later. An outcome that does not replace
   * the recorded one (`replacesDelivery()`: the station's answer replaces only `pending` and `undelivered`)
   * leaves the certificate as it is, and it is answered as it is. Null for an unknown serial number.
   */
  recordDelivery(
    serialNumber: string,
    outcome: DeliveryOutcome,
    at: string,
  ): Promise<IssuedCertificate | null>;
  /**
   * Records certificates still `pending` that were issued before `issuedBefore` as `undelivered` with
   * `detail`, at `at`: oldest first, at most `limit`. Answers the ones this call settled; one whose delivery
   * is recorded meanwhile (by its own node, or a sweep elsewhere) is left to that and not answered.
   */
  settlePendingDeliveries(query: {
    issuedBefore: string;
    detail: string;
    at: string;
    limit: number;
  }): Promise<IssuedCertificate[]>;
  getIssuedCertificate(serialNumber: string): Promise<IssuedCertificate | null>;
  /** The station's current certificate (the newest it accepted), or null. */
  getCurrentCertificate(chargePointId: string): Promise<IssuedCertificate | null>;
  /**
   * Newest first (issuedAt, then serialNumber, both descending), at most `limit`, one station's when
   * `chargePointId` is given; with `before`, only those after it in that order (the next page).
   */
  listIssuedCertificates(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<IssuedCertificate[]>;
  /**
   * Current certificates (see IssuedCertificate.current) that expire before `notAfterBefore`, whose renewal
   * was not requested since `requestedBefore` (null or earlier) and which are not backing off at `now`
   * (`renewalRetryAt` null or not after it), soonest expiry first, at most `limit`; only those of
   * `chargePointIds` when given (the stations a scan can ask: others would fill its page).
   */
  listDueForRenewal(query: {
    notAfterBefore: string;
    requestedBefore: string;
    now: string;
    limit: number;
    chargePointIds?: readonly string[];
  }): Promise<IssuedCertificate[]>;
  /** The station answered a renewal trigger at `at`: asked, and any back-off ends. */
  markRenewalRequested(serialNumber: string, at: string): Promise<void>;
  /**
   * A renewal trigger got no answer in time at `at`: `renewalUnanswered` one more, in one atomic step (the
   * nodes of a cluster share it), and `renewalRetryAt` `at` plus `renewalBackoffMs(renewalUnanswered, baseMs,
   * maxMs)` of the new count. Nothing for an unknown serial number.
   */
  markRenewalUnanswered(
    serialNumber: string,
    backoff: { at: string; baseMs: number; maxMs: number },
  ): Promise<void>;
  /**
   * Marks an `undelivered` certificate never sent again as sent again at `at`; whether this call did (false
   * when it is not undelivered, was sent again already, or is unknown): one caller of a cluster wins.
   */
  claimRedelivery(serialNumber: string, at: string): Promise<boolean>;
}
