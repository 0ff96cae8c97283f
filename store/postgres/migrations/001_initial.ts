/**
 * 001: the initial schema. Forward-only: never edit a migration that has shipped; add the next number.
 *
 * Identifiers that are sorted and paged by cursor (`charge_points.id`, `id_tags.id_tag`) use the "C" collation
 * so the order is bytewise, the same as the Deno KV store's, whatever the server's default locale is.
 * Times are `timestamptz`; the store reads them back with `toISOString()`, which round-trips the
 * millisecond-precision UTC strings the Store interface carries.
 */
export const up = `
create table charge_points (
  id                  text collate "C" primary key,
  registration_status text check (registration_status in ('Accepted', 'Pending', 'Rejected')),
  boot                jsonb,
  booted_at           timestamptz,
  connectors          jsonb not null default '[]',
  last_seen           timestamptz,
  firmware_status     text,
  diagnostics_status  text,
  configuration       jsonb,
  created_at          timestamptz not null,
  updated_at          timestamptz not null
);

create table status_history (
  seq               bigint generated always as identity primary key,
  charge_point_id   text collate "C" not null references charge_points (id),
  connector_id      integer not null check (connector_id >= 0),
  status            text not null,
  error_code        text not null,
  info              text,
  vendor_id         text,
  vendor_error_code text,
  timestamp         timestamptz not null,
  received_at       timestamptz not null
);
create index status_history_by_charge_point on status_history (charge_point_id, received_at desc, seq desc);

create table id_tags (
  id_tag        text collate "C" primary key,
  status        text not null check (status in ('Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx')),
  expiry_date   timestamptz,
  parent_id_tag text
);

-- transaction_id: int4 identity, so ids are positive 32-bit (OCPP 1.6 transactionId is an integer) and a
-- sequence never hands out the same value twice, even when the inserting transaction rolls back.
create table transactions (
  transaction_id      integer generated always as identity (start with 1 minvalue 1 no cycle) primary key,
  charge_point_id     text collate "C" not null references charge_points (id),
  connector_id        integer not null check (connector_id > 0),
  id_tag              text not null,
  start_id_tag_status text not null,
  meter_start         bigint not null,
  start_timestamp     timestamptz not null,
  reservation_id      integer,
  status              text not null default 'active' check (status in ('active', 'superseded', 'finished')),
  superseded_by       integer references transactions (transaction_id),
  meter_stop          bigint,
  stop_timestamp      timestamptz,
  stop_reason         text,
  stop_id_tag         text,
  stop_id_tag_status  text,
  created_at          timestamptz not null,
  stopped_at          timestamptz,
  -- A replayed StartTransaction carries the same values: the database itself refuses a second row.
  constraint transactions_start_replay_key
    unique (charge_point_id, connector_id, id_tag, meter_start, start_timestamp),
  constraint transactions_superseded_has_successor
    check (status <> 'superseded' or superseded_by is not null),
  constraint transactions_finished_has_stop
    check ((status = 'finished') = (meter_stop is not null and stop_timestamp is not null and stopped_at is not null))
);
create index transactions_open_by_connector on transactions (charge_point_id, connector_id)
  where status = 'active';
create index transactions_open_by_id_tag on transactions (id_tag) where status = 'active';
create index transactions_by_charge_point on transactions (charge_point_id, transaction_id desc);
create index transactions_by_id_tag on transactions (id_tag, transaction_id desc);
create index transactions_by_start on transactions (start_timestamp);

-- A StopTransaction for an id we do not know (or that belongs to another station), kept so nothing is lost.
create table orphan_stops (
  seq              bigint generated always as identity primary key,
  id               text not null unique,
  charge_point_id  text collate "C" not null references charge_points (id),
  transaction_id   bigint not null,
  id_tag           text,
  meter_stop       bigint not null,
  timestamp        timestamptz not null,
  reason           text,
  transaction_data jsonb,
  received_at      timestamptz not null,
  constraint orphan_stops_natural_key unique (charge_point_id, transaction_id, timestamp, meter_stop)
);
create index orphan_stops_by_received on orphan_stops (received_at desc, seq desc);
create index orphan_stops_by_charge_point on orphan_stops (charge_point_id, received_at desc, seq desc);

-- One row per sampled value. phase is '' (never NULL) when the station sent none, so it can sit in the natural
-- key, which is a unique index: a duplicate is refused by the database (INSERT ... ON CONFLICT DO NOTHING).
-- The key holds md5(value), not value: signed meter data can run to kilobytes, past the b-tree entry limit.
create table meter_values (
  seq             bigint generated always as identity primary key,
  charge_point_id text collate "C" not null references charge_points (id),
  connector_id    integer not null check (connector_id >= 0),
  transaction_id  integer references transactions (transaction_id),
  timestamp       timestamptz not null,
  value           text not null,
  context         text not null,
  format          text not null,
  measurand       text not null,
  phase           text not null default '',
  location        text not null,
  unit            text not null,
  received_at     timestamptz not null
);
create unique index meter_values_natural_key
  on meter_values (charge_point_id, connector_id, timestamp, measurand, phase, location, md5(value));
create index meter_values_recent_by_charge_point on meter_values (charge_point_id, timestamp desc, seq desc);
create index meter_values_by_transaction on meter_values (transaction_id, timestamp, seq)
  where transaction_id is not null;

create table command_log (
  seq             bigint generated always as identity primary key,
  id              text not null unique,
  -- No foreign key: an operator may address a station that never connected (outcome not_connected).
  charge_point_id text collate "C" not null,
  action          text not null,
  payload         jsonb,
  requested_by    text not null,
  requested_at    timestamptz not null,
  outcome         text not null check (outcome in ('accepted', 'callerror', 'timeout', 'not_connected', 'invalid')),
  response        jsonb,
  finished_at     timestamptz not null
);
create index command_log_by_charge_point on command_log (charge_point_id, requested_at desc, seq desc);
`;
