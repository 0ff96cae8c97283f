/**
 * 028: station_security.pending_authorization_key_hash, a key sent to the station whose acceptance is not known
 * yet (`StationSecurityRecord.pendingAuthorizationKeyHash`). Nullable, no default: adding it rewrites nothing.
 * Forward-only.
 */
export const up = `
alter table station_security add column pending_authorization_key_hash text;
`;
