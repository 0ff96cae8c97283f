/**
 * 025: a meter value stored alone (`meter_values`: rows from before migration 015, and values overlapping a
 * stored group) is unique with its context and transaction too, as on KV: a Transaction.Begin reading equal
 * to an idle Sample.Clock one, or a reading sent again with its transaction, is a value of its own, not a
 * replay. Built concurrently (values go on being stored meanwhile), then the old key dropped. A node of an
 * older version names the old key in its inserts: upgrade every node of a cluster together. Forward-only.
 */
export const steps = [
  `create unique index concurrently if not exists meter_values_natural_key_v2
     on meter_values (charge_point_id, connector_id, timestamp, measurand, phase, location, md5(value), context,
       coalesce(transaction_id, 0))`,
  `drop index concurrently if exists meter_values_natural_key`,
];
