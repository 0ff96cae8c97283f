/**
 * 042: station_security.pending_security_profile, a higher profile the station was sent and may have taken
 * (`StationSecurityRecord.pendingSecurityProfile`: JSON `{ profile, since }`), made its profile by its first
 * handshake that meets it. Nullable, no default: adding it rewrites nothing. Forward-only.
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: every station's handshake reads the table.
  `alter table station_security add column if not exists pending_security_profile jsonb`,
] as const;
