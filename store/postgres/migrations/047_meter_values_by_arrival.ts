/**
 * 047: a transaction's meter values that arrived far from their time (more than 5 minutes either way: a
 * backlog, a station clock off), by arrival, for the live chart's `since` reads (`pageMeterValuesReceivedSince`):
 * those arriving near their time are found by time from 5 minutes before `since`, these could be anywhere in
 * the session (it read the whole session, 40,000 values for a long one, on every poll). Partial: most values
 * arrive within seconds and cost no index entry. Both tables, as each holds values of a session
 * (`meter_values`: those overlapping a stored group, and rows from before 015). Built concurrently: values go
 * on being stored meanwhile. Forward-only.
 */
export const steps = [
  `create index concurrently if not exists meter_groups_far_by_arrival
     on meter_groups (transaction_id, received_at, seq)
     where transaction_id is not null
       and (timestamp - received_at < interval '-5 minutes' or timestamp - received_at > interval '5 minutes')`,
  `create index concurrently if not exists meter_values_far_by_arrival
     on meter_values (transaction_id, received_at, seq)
     where transaction_id is not null
       and (timestamp - received_at < interval '-5 minutes' or timestamp - received_at > interval '5 minutes')`,
];
