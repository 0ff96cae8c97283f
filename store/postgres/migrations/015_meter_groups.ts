/**
 * 015: meter values one row per MeterValues `meterValue` element (issue 19). Forward-only.
 *
 * A group holds the sampled values of one connector at one time, in the order the station sent them: one row,
 * four index entries and two foreign-key checks for a frame, where one row per sampled value cost a row, five
 * index entries and the checks per value. Its key (station, connector, time) is unique: a replayed element
 * meets the stored group. `meter_values` stays as it was: its rows (written before this migration) are read
 * as before, and it takes the sampled values that arrive at a time whose group is stored already (a frame
 * overlapping an earlier one), each under its natural key. Both tables draw `seq` from one sequence, so the
 * values of one time keep the order they were stored in whichever table holds them. The view
 * `meter_value_rows` shows both as one row per sampled value, the shape `meter_values` had (for SQL by hand).
 */
export const up = `
create table meter_groups (
  seq             bigint not null default nextval('meter_values_seq_seq'),
  charge_point_id text collate "C" not null references charge_points (id),
  connector_id    integer not null check (connector_id >= 0),
  transaction_id  integer references transactions (transaction_id),
  timestamp       timestamptz not null,
  received_at     timestamptz not null,
  -- [value, context, format, measurand, phase or null, location, unit] per sampled value, in the frame's order.
  sampled         jsonb not null check (jsonb_typeof(sampled) = 'array' and jsonb_array_length(sampled) > 0),
  constraint meter_groups_key unique (charge_point_id, connector_id, timestamp)
);
create index meter_groups_recent_by_charge_point on meter_groups (charge_point_id, timestamp desc, seq desc);
create index meter_groups_by_transaction on meter_groups (transaction_id, timestamp, seq)
  where transaction_id is not null;
create index meter_groups_by_timestamp on meter_groups (timestamp);

create view meter_value_rows as
  select g.seq, s.k as position, g.charge_point_id, g.connector_id, g.transaction_id, g.timestamp,
    s.v->>0 as value, s.v->>1 as context, s.v->>2 as format, s.v->>3 as measurand,
    coalesce(s.v->>4, '') as phase, s.v->>5 as location, s.v->>6 as unit, g.received_at
  from meter_groups g, jsonb_array_elements(g.sampled) with ordinality as s(v, k)
  union all
  select seq, 0, charge_point_id, connector_id, transaction_id, timestamp, value, context, format, measurand,
    phase, location, unit, received_at
  from meter_values;
`;
