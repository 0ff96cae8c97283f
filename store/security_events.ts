/**
 * The durable security event log: failed station authentication, refused and rate-limited stations, failed
 * operator logins, security setting changes, certificate checks. Part of the StationSecurityStore (it shares
 * its KV handle or pool), implemented in `kv/station_security.ts` and `postgres/station_security.ts`, checked
 * by `contract/station_security.ts`. Every process on the same store appends to and reads the same log.
 *
 * Events are immutable. Their `id` sorts by time (`<ISO time>.<sequence>.<random>`), so "newest first" is
 * "id descending" and the id of a page's last event is the cursor of the next page (`before`).
 */

export const SECURITY_EVENT_KINDS = [
  "station_auth_failed",
  "station_refused",
  "station_rate_limited",
  "station_flood_closed",
  "certificate_accepted",
  "certificate_rejected",
  "login_failed",
  "login_rate_limited",
  "station_security_changed",
  "station_security_deleted",
  "csr_rejected",
  "certificate_issued",
  /** The station answered CertificateSigned Accepted: the certificate is its current one. */
  "certificate_installed",
  /** The station answered CertificateSigned Rejected (or with a CALLERROR): the certificate is not its own. */
  "certificate_signed_rejected",
  /** CertificateSigned never got an answer (not connected, timeout, connection closed). */
  "certificate_signed_undelivered",
  "upload_refused",
  "download_refused",
  /** A station's own SecurityEventNotification (OCPP 1.6 Security Whitepaper ed. 3 §5.15). */
  "station_event",
  /** The same, of a type the whitepaper marks critical (highlighted, and sent on the event stream). */
  "station_event_critical",
  /** A station's events past its quota (security/station_event_quota.ts): how many were dropped, not stored. */
  "station_events_dropped",
  /** Our own events about one source past its budget (security/security_events.ts): how many were not kept. */
  "source_events_suppressed",
] as const;

export type SecurityEventKind = typeof SECURITY_EVENT_KINDS[number];

export interface SecurityEvent {
  /** Unique, sortable by time: see `securityEventId()`. */
  id: string;
  at: string;
  kind: SecurityEventKind;
  chargePointId: string | null;
  /** An operator's username (logins) or who changed a setting (`user:alice`). */
  principal: string | null;
  /** The client address (as resolved behind a trusted proxy). */
  remoteAddress: string | null;
  reason: string;
  /** HTTP status answered, when there was one. */
  status: number | null;
  /**
   * The id of the station's CALL that caused it (its own events: SecurityEventNotification, a refused CSR). The
   * store keeps one event per station, message id, kind and reason: a CALL the station sends again after its
   * answer was lost is the same message (OCPP-J 1.6 §4.1.3: ids are unique per sender), a reused id with
   * another event is not. Absent on every other event, and on those stored before the rule (kept as they are).
   */
  messageId?: string;
}

/** The event of a station's CALL that a store may already hold: what makes a retransmission one. */
export interface SecurityEventOfMessage {
  chargePointId: string;
  messageId: string;
  kind: SecurityEventKind;
  reason: string;
}

/** What an append did not store because the store already held it. */
export interface SecurityEventAppend {
  /**
   * Ids of the events with a `messageId` the store refused: it holds an event of the same station, message id,
   * kind and reason (stored before, or earlier in the same append). An event whose id is stored already (a
   * retried batch) is stored, not refused.
   */
  refused: string[];
}

export interface SecurityEventQuery {
  limit: number;
  /** Cursor: only events with an id below this one (the last id of the previous page). */
  before?: string;
  /** Only events at or after this ISO time (ids begin with it): bounds a read to a window. */
  since?: string;
  kind?: SecurityEventKind;
  chargePointId?: string;
}

/** How much of the log a store keeps; pruned as events are appended, a batch at a time. */
export interface SecurityEventRetention {
  /** Default 100,000. */
  maxEvents?: number;
  /** Default 90 days, counted back from the newest appended event's time. */
  maxAgeMs?: number;
  /** Appends between two prunes (default 1000; the first append after opening always prunes). */
  pruneEvery?: number;
}

export const DEFAULT_RETENTION: Required<SecurityEventRetention> = {
  maxEvents: 100_000,
  maxAgeMs: 90 * 24 * 3600_000,
  pruneEvery: 1000,
};

export interface SecurityEventStore {
  /**
   * Stores the events; an id already stored is skipped (a retried batch does not duplicate), and an event of a
   * station's CALL the store holds already is refused in the same write (no read before it: two processes
   * appending the same one at once store it once).
   */
  appendSecurityEvents(events: readonly SecurityEvent[]): Promise<SecurityEventAppend>;
  /** Whether the store holds this event of the station's CALL (one read of the rule's index). */
  hasSecurityEventOf(message: SecurityEventOfMessage): Promise<boolean>;
  /** Newest first (id descending), at most `limit`, filtered by kind and station when given. */
  listSecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]>;
}

/**
 * A sortable event id: the ISO time (fixed width for years 0000-9999), a per-process sequence and a random
 * tail that keeps ids unique across processes sharing a store.
 *
 * @example
 * ```ts
 * securityEventId(new Date("2024-05-01T10:00:00Z"), 7).startsWith("2024-05-01T10:00:00.000Z.0007."); // true
 * ```
 */
export function securityEventId(at: Date, sequence: number): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).padStart(7, "0");
  return `${at.toISOString()}.${(sequence % 36 ** 4).toString(36).padStart(4, "0")}.${random}`;
}

/** Whether `text` has the shape of a `securityEventId`: what a `before` cursor of the log must be. */
export function isSecurityEventId(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\.[0-9a-z]{4}\.[0-9a-z]{7}$/.test(text);
}

/** Whether `event` passes the query's filters and cursor (the in-memory ring and the KV scan share it). */
export function matchesSecurityEventQuery(
  event: SecurityEvent,
  query: Omit<SecurityEventQuery, "limit">,
): boolean {
  if (query.before !== undefined && !(event.id < query.before)) return false;
  if (query.since !== undefined && event.id < query.since) return false;
  if (query.kind !== undefined && event.kind !== query.kind) return false;
  if (query.chargePointId !== undefined && event.chargePointId !== query.chargePointId) return false;
  return true;
}
