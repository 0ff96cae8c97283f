/**
 * 008: load management (store/energy.ts): sites, which site each station is in, the site samples of
 * the dashboard, stored charging profiles and whether a station takes them. Forward-only.
 *
 * `site_charge_point.charge_point_id` is the primary key: a station is in at most one site. There is no
 * foreign key to `charge_points`: a site may name stations before they first connect.
 */
export const up = `
create table site (
  site_id                text collate "C" primary key,
  name                   text not null,
  max_current_a          double precision not null check (max_current_a >= 0),
  station_max_current_a  double precision not null check (station_max_current_a > 0),
  updated_by             text not null,
  created_at             timestamptz not null,
  updated_at             timestamptz not null
);
create table site_charge_point (
  charge_point_id text collate "C" primary key,
  site_id         text collate "C" not null references site (site_id) on delete cascade
);
create index site_charge_point_by_site on site_charge_point (site_id, charge_point_id);
create table site_sample (
  site_id text collate "C" not null references site (site_id) on delete cascade,
  at      timestamptz not null,
  sample  jsonb not null,
  primary key (site_id, at)
);
create table charging_profile (
  charge_point_id     text collate "C" not null,
  charging_profile_id integer not null,
  connector_id        integer not null check (connector_id >= 0),
  stack_level         integer not null,
  purpose             text not null,
  transaction_id      integer,
  profile             jsonb not null,
  source              text not null,
  state               text not null check (state in ('installed', 'pending')),
  requested_by        text not null,
  updated_at          timestamptz not null,
  primary key (charge_point_id, charging_profile_id)
);
create table charging_profile_support (
  charge_point_id text collate "C" primary key,
  refused_reason  text,
  tx_default_only boolean not null,
  updated_at      timestamptz not null
);
`;
