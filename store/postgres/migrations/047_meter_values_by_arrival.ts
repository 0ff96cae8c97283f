/**
 * 047: a transaction's meter values by arrival, for the live chart's `since` reads
 * (`pageMeterValuesReceivedSince`): with only `(transaction_id, timestamp, seq)` a read of the values received
 * since a time read the whole session (40,000 values for a long one) on every poll. Both tables, as each holds
 * values of a session (`meter_values`: those overlapping a stored group, and rows from before 015). Built
 * concurrently: values go on being stored meanwhile. Forward-only.
 */
export const steps = [
  `create index concurrently if not exists meter_groups_by_transaction_arrival
     on meter_groups (transaction_id, received_at, seq) where transaction_id is not null`,
  `create index concurrently if not exists meter_values_by_transaction_arrival
     on meter_values (transaction_id, received_at, seq) where transaction_id is not null`,
];
