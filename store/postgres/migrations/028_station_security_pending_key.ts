/**
 * 028: station_security.pending_authorization_keys, keys sent to the station whose acceptance is not known yet
 * (`StationSecurityRecord.pendingAuthorizationKeys`: a JSON array of `{ hash, since }`). Nullable, no default:
 * adding it rewrites nothing. Forward-only.
 */
export const up = `
alter table station_security add column pending_authorization_keys jsonb;
`;
