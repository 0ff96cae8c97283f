/**
 * Pending AuthorizationKeys expire (PENDING_AUTHORIZATION_KEY_TTL_H): a key sent to a station that never
 * answered nor connected with it would otherwise stay a second password of the station for ever, and its first
 * handshake would make it the key. Once `since` + the TTL has passed the gate no longer takes it, and the next
 * change of the station's record drops it with a security event (`changeStationSecurity`). Pure rules, and the
 * one way the record is changed with them.
 *
 * @example
 * ```ts
 * const key = { hash: "pbkdf2-sha256$1$c2FsdA$bmV3", since: "2026-01-01T00:00:00.000Z" };
 * isPendingKeyLive(key, Date.parse("2026-01-01T01:00:00Z"), 3_600_000); // false: an hour is the TTL
 * ```
 */
import type {
  PendingAuthorizationKey,
  PendingSecurityProfile,
  StationSecurityRecord,
  StationSecurityStore,
} from "../store/station_security.ts";
import type { Changed } from "../store/mod.ts";
import type { SecurityEventLog } from "./security_events.ts";
import { pendingProfileExpiresAt } from "./security_profile_raise.ts";

/**
 * When `key` stops letting the station in (ms since the epoch). A `since` that is no time (no writer stores
 * one: every pending key has had its time since migration 028) counts as expired: nothing shows it is fresh.
 */
export function pendingKeyExpiresAt(key: PendingAuthorizationKey, ttlMs: number): number {
  const since = typeof key.since === "string" ? Date.parse(key.since) : NaN;
  return Number.isNaN(since) ? -Infinity : since + ttlMs;
}

/** Whether the gate still takes `key` at `nowMs`. */
export function isPendingKeyLive(key: PendingAuthorizationKey, nowMs: number, ttlMs: number): boolean {
  return nowMs < pendingKeyExpiresAt(key, ttlMs);
}

/** `record` without its pending keys expired at `nowMs`, and those keys (oldest first). */
export function withoutExpiredPendingKeys(
  record: StationSecurityRecord,
  nowMs: number,
  ttlMs: number,
): { record: StationSecurityRecord; expired: PendingAuthorizationKey[] } {
  const pending = record.pendingAuthorizationKeys ?? [];
  const expired = pending.filter((p) => !isPendingKeyLive(p, nowMs, ttlMs));
  if (expired.length === 0) return { record, expired };
  const { pendingAuthorizationKeys: _all, ...rest } = record;
  const live = pending.filter((p) => isPendingKeyLive(p, nowMs, ttlMs));
  return { record: { ...rest, ...(live.length > 0 ? { pendingAuthorizationKeys: live } : {}) }, expired };
}

export interface PendingKeyExpiryDeps {
  store: StationSecurityStore;
  events: SecurityEventLog;
  now: () => Date;
  /** PENDING_AUTHORIZATION_KEY_TTL_H in ms. */
  pendingKeyTtlMs: number;
}

/**
 * `store.change` of the station's record, where `change` sees the record without the pending keys expired by
 * then, so what it writes has none (a new rotation keeps MAX_PENDING_KEYS live ones); a security event for
 * each one dropped. Nothing is written only to drop them (`change` giving undefined keeps the record as is).
 */
export async function changeStationSecurity(
  deps: PendingKeyExpiryDeps,
  chargePointId: string,
  change: (stored: StationSecurityRecord | null) => StationSecurityRecord | null | undefined,
): Promise<Changed<StationSecurityRecord>> {
  let expired: PendingAuthorizationKey[] = [];
  let expiredProfile: PendingSecurityProfile | undefined;
  const changed = await deps.store.change(chargePointId, (stored) => {
    const nowMs = deps.now().getTime();
    const live = stored && withoutExpiredPendingKeys(stored, nowMs, deps.pendingKeyTtlMs);
    // A raise the station never connected with in time is over too (security/security_profile_raise.ts).
    const raise = live?.record.pendingSecurityProfile;
    const lapsed = raise && nowMs >= pendingProfileExpiresAt(raise, deps.pendingKeyTtlMs) ? raise : undefined;
    let seen = live?.record ?? null;
    if (seen && lapsed) {
      const { pendingSecurityProfile: _lapsed, ...rest } = seen;
      seen = rest;
    }
    const next = change(seen);
    // Told only when a record without them is written (a deleted record takes them along unsaid).
    expired = next ? live?.expired ?? [] : [];
    expiredProfile = next && next.pendingSecurityProfile !== lapsed ? lapsed : undefined;
    return next;
  });
  const hours = deps.pendingKeyTtlMs / 3_600_000;
  if (expiredProfile) {
    deps.events.record({
      kind: "station_security_changed",
      chargePointId,
      principal: null,
      reason:
        `Pending security profile ${expiredProfile.profile} expired: sent ${expiredProfile.since}, the ` +
        `station did not connect with it within PENDING_AUTHORIZATION_KEY_TTL_H (${hours} h)`,
    });
  }
  for (const key of expired) {
    deps.events.record({
      kind: "station_security_changed",
      chargePointId,
      principal: null,
      reason: `Pending AuthorizationKey expired unused: sent ${key.since}, not used within ` +
        `PENDING_AUTHORIZATION_KEY_TTL_H (${hours} h)`,
    });
  }
  return changed;
}
