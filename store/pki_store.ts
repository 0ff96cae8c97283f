/**
 * Where the station PKI keeps its CA (when we generated it) and the certificates it issued. Implemented on
 * Deno KV (`kv/pki.ts`) and PostgreSQL (`postgres/pki.ts`, migration 009); one contract suite
 * (`contract/pki.ts`) runs against both.
 */
import type { IssuedCertificate, StoredCa } from "../model/certificates.ts";

export interface PkiStore {
  getCa(): Promise<StoredCa | null>;
  /**
   * Stores `ca` unless a CA is stored already, and returns the stored one: processes starting together on one
   * store all end up with the same CA.
   */
  putCaIfAbsent(ca: StoredCa): Promise<StoredCa>;
  /** Stores a newly issued certificate; it becomes its station's current one. */
  addIssuedCertificate(certificate: IssuedCertificate): Promise<void>;
  getIssuedCertificate(serialNumber: string): Promise<IssuedCertificate | null>;
  /** Newest first (by issuedAt), at most `limit`, one station's when `chargePointId` is given. */
  listIssuedCertificates(query: { chargePointId?: string; limit: number }): Promise<IssuedCertificate[]>;
  /**
   * Each station's current (newest) certificate that expires before `notAfterBefore` and whose renewal was
   * not requested since `requestedBefore` (null or earlier), soonest expiry first, at most `limit`.
   */
  listDueForRenewal(query: {
    notAfterBefore: string;
    requestedBefore: string;
    limit: number;
  }): Promise<IssuedCertificate[]>;
  markRenewalRequested(serialNumber: string, at: string): Promise<void>;
}
