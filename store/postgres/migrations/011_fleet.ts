/**
 * 011: fleet operations (issue 15): jobs and their per-station tasks, webhook subscriptions and deliveries,
 * reservations with CSMS-allocated ids, the managed local authorization list, DataTransfer messages and the
 * rules that answer them, transaction flags, run-time settings, named leases, and the indexes retention
 * deletes by. Forward-only.
 *
 * Workers claim rows (`fleet_job_task`, `webhook_delivery`) in the database, never in a process's memory, so
 * several processes share the work without sending anything twice.
 */
export const up = `
create table fleet_job (
  id          text collate "C" primary key,
  action      text not null,
  payload     jsonb,
  force       boolean not null,
  target      jsonb not null,
  concurrency integer not null check (concurrency > 0),
  state       text not null check (state in ('running', 'finished', 'cancelled')),
  total       integer not null,
  campaign    jsonb,
  created_by  text not null,
  created_at  timestamptz not null,
  finished_at timestamptz
);
create index fleet_job_running on fleet_job (id) where state = 'running';

create table fleet_job_task (
  job_id          text collate "C" not null references fleet_job (id) on delete cascade,
  charge_point_id text collate "C" not null,
  state           text not null check (state in ('pending', 'running', 'waiting', 'done')),
  outcome         text,
  response        jsonb,
  attempts        integer not null default 0,
  claimed_by      text,
  claim_until     timestamptz,
  started_at      timestamptz,
  finished_at     timestamptz,
  firmware_status text,
  result          text,
  primary key (job_id, charge_point_id)
);
create index fleet_job_task_open on fleet_job_task (job_id, state) where state <> 'done';
create index fleet_job_task_waiting on fleet_job_task (charge_point_id) where state = 'waiting';

create table webhook_subscription (
  id          text collate "C" primary key,
  url         text not null,
  events      text[] not null,
  secret      text not null,
  enabled     boolean not null,
  description text not null,
  created_by  text not null,
  created_at  timestamptz not null,
  updated_at  timestamptz not null
);

-- No foreign key: the delivery log outlives a deleted subscription.
create table webhook_delivery (
  id              text collate "C" primary key,
  subscription_id text collate "C" not null,
  event_type      text not null,
  payload         jsonb not null,
  state           text not null check (state in ('pending', 'delivered', 'failed')),
  attempts        integer not null,
  next_attempt_at timestamptz not null,
  claimed_by      text,
  created_at      timestamptz not null,
  finished_at     timestamptz,
  log             jsonb not null
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where state = 'pending';
create index webhook_delivery_by_subscription on webhook_delivery (subscription_id, id);

create sequence reservation_id as integer start with 1 minvalue 1 no cycle;
create table reservation (
  reservation_id  integer primary key,
  charge_point_id text collate "C" not null,
  connector_id    integer not null check (connector_id >= 0),
  id_tag          text not null,
  parent_id_tag   text,
  expiry_date     timestamptz not null,
  state           text not null check (state in ('active', 'used', 'expired', 'cancelled')),
  created_by      text not null,
  created_at      timestamptz not null,
  ended_at        timestamptz,
  end_reason      text,
  transaction_id  integer
);
create index reservation_by_charge_point on reservation (charge_point_id, reservation_id desc);
create index reservation_active on reservation (charge_point_id, connector_id) where state = 'active';
create index reservation_due on reservation (expiry_date) where state = 'active';

create table local_list_meta (
  id      boolean primary key default true check (id),
  version integer not null,
  pruned  integer not null
);
insert into local_list_meta (version, pruned) values (0, 0);
create table local_list_member (id_tag text collate "C" primary key);
create table local_list_change (
  version integer primary key,
  id_tag  text not null,
  op      text not null check (op in ('upsert', 'remove')),
  at      timestamptz not null
);
create table station_local_list (
  charge_point_id text collate "C" primary key,
  version         integer,
  status          text not null,
  detail          text,
  last_sync_at    timestamptz,
  updated_at      timestamptz not null
);

create table data_transfer (
  id              text collate "C" primary key,
  charge_point_id text collate "C" not null,
  vendor_id       text not null,
  message_id      text,
  data            text,
  received_at     timestamptz not null,
  status          text not null,
  response_data   text
);
create index data_transfer_by_charge_point on data_transfer (charge_point_id, id);
create table data_transfer_rule (
  vendor_id  text collate "C" not null,
  message_id text collate "C" not null,
  status     text not null check (status in ('Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId')),
  data       text,
  updated_by text not null,
  updated_at timestamptz not null,
  primary key (vendor_id, message_id)
);

create table transaction_flag (
  transaction_id  integer not null,
  kind            text not null,
  charge_point_id text collate "C" not null,
  connector_id    integer not null,
  at              timestamptz not null,
  details         jsonb not null,
  primary key (transaction_id, kind)
);
create index transaction_flag_by_kind on transaction_flag (kind, transaction_id desc);

create table fleet_settings (
  id       boolean primary key default true check (id),
  settings jsonb not null
);

create table fleet_lease (
  name   text primary key,
  holder text not null,
  until  timestamptz not null
);

-- Retention deletes the oldest rows in batches: by the sample's time and by the time a status was received.
create index meter_values_by_timestamp on meter_values (timestamp);
create index status_history_by_received on status_history (received_at);
`;
