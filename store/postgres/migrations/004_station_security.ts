/**
 * 004: per-station security settings (StationSecurityStore). Forward-only.
 *
 * The AuthorizationKey is stored only as a salted PBKDF2 hash.
 */
export const up = `
create table station_security (
  charge_point_id        text collate "C" primary key,
  security_profile       smallint check (security_profile between 0 and 3),
  authorization_key_hash text,
  allowed_ips            text[] not null default '{}',
  updated_by             text not null,
  created_at             timestamptz not null,
  updated_at             timestamptz not null
);
`;
