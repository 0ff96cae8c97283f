/**
 * 007: the durable security event log (StationSecurityStore.appendSecurityEvents / listSecurityEvents).
 * Forward-only.
 *
 * `id` sorts by time (ISO time, sequence, random tail), so "newest first" is `order by id desc` and the
 * indexes on (kind, id) and (charge_point_id, id) serve the filtered pages; the index on `at` serves pruning.
 * `kind` has no check constraint on purpose: a new kind should not need a migration.
 */
export const up = `
create table security_event (
  id              text collate "C" primary key,
  at              timestamptz not null,
  kind            text not null,
  charge_point_id text collate "C",
  principal       text,
  remote_address  text,
  reason          text not null,
  status          smallint
);
create index security_event_at on security_event (at);
create index security_event_kind on security_event (kind, id);
create index security_event_charge_point on security_event (charge_point_id, id)
  where charge_point_id is not null;
`;
