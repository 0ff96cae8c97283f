/**
 * 003: operator accounts, login sessions and API tokens (the AuthStore). Forward-only.
 *
 * Session ids and tokens are stored as SHA-256 digests only; a leaked table grants no access.
 */
export const up = `
create table auth_users (
  username      text collate "C" primary key,
  role          text not null check (role in ('viewer', 'operator', 'admin')),
  password_hash text not null,
  disabled      boolean not null default false,
  created_at    timestamptz not null,
  updated_at    timestamptz not null
);

create table auth_sessions (
  id         text primary key,
  username   text collate "C" not null references auth_users (username) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index auth_sessions_by_user on auth_sessions (username);
create index auth_sessions_by_expiry on auth_sessions (expires_at);

create table auth_tokens (
  id           text primary key,
  name         text not null,
  role         text not null check (role in ('viewer', 'operator', 'admin')),
  token_hash   text not null unique,
  created_by   text not null,
  created_at   timestamptz not null,
  expires_at   timestamptz,
  last_used_at timestamptz
);
`;
