/**
 * Per-station security settings (OCPP 1.6 Security Whitepaper): the security profile, the hashed
 * AuthorizationKey (HTTP Basic password of profiles 1 and 2) and an optional allow-list of source addresses.
 * A small interface of its own with two backends (`kv/station_security.ts`, `postgres/station_security.ts`)
 * and one contract suite (`contract/station_security.ts`). It also holds the durable security event log
 * (`security_events.ts`), so every backend keeps both on one KV handle or one pool.
 *
 * The AuthorizationKey never reaches the store in clear: `authorizationKeyHash` is a salted PBKDF2 string
 * (auth/passwords.ts format).
 */
import type { SecurityEventStore } from "./security_events.ts";
import type { Changed } from "./mod.ts";

export type SecurityProfile = 0 | 1 | 2 | 3;

export interface StationSecurityRecord {
  chargePointId: string;
  /** null: the global SECURITY_PROFILE applies. */
  securityProfile: SecurityProfile | null;
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`; null when no key is set. */
  authorizationKeyHash: string | null;
  /**
   * Keys sent to the station whose acceptance is not known yet (the answer is awaited, timed out or was lost,
   * or takes a reboot), oldest first, at most MAX_PENDING_KEYS: the gate takes each beside
   * `authorizationKeyHash`, so a station that took one is never locked out, and the first handshake with one
   * makes it the key. Absent when there is none.
   */
  pendingAuthorizationKeys?: PendingAuthorizationKey[];
  /**
   * A higher security profile the station was sent (1.6 ChangeConfiguration `SecurityProfile`, Security
   * Whitepaper A05) and may have taken: `securityProfile` still lets it in, and its first handshake that meets
   * this one makes it its `securityProfile` (security/security_profile_raise.ts). Absent when there is none.
   */
  pendingSecurityProfile?: PendingSecurityProfile;
  /** Addresses or CIDRs the station may connect from; empty: any (within ALLOWED_IPS). */
  allowedIps: string[];
  /** Who changed it last (`user:alice`, `token:provisioning`). */
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PendingAuthorizationKey {
  /** As `authorizationKeyHash`. */
  hash: string;
  /** When it was stored, just before it was sent. */
  since: string;
}

export interface PendingSecurityProfile {
  profile: SecurityProfile;
  /** When it was stored, just before it was sent. */
  since: string;
}

export interface StationSecurityStore extends SecurityEventStore {
  get(chargePointId: string): Promise<StationSecurityRecord | null>;
  /** Inserts or replaces the station's record. */
  put(record: StationSecurityRecord): Promise<void>;
  /** False when there was none. */
  delete(chargePointId: string): Promise<boolean>;
  /**
   * Writes `change(stored)` (stored: null when the station has none) atomically against every other write of
   * the station's record: a record is stored, null deletes it, undefined writes nothing; what `change` throws
   * is thrown, nothing written. `change` may run again on a newer record. Gives the records before and after.
   */
  change(
    chargePointId: string,
    change: (stored: StationSecurityRecord | null) => StationSecurityRecord | null | undefined,
  ): Promise<Changed<StationSecurityRecord>>;
  /** Sorted by charge point id (code point order), at most `limit`, after `after` when given. */
  list(options?: { limit?: number; after?: string }): Promise<StationSecurityRecord[]>;
  close(): Promise<void>;
}
