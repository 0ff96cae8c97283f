/**
 * 034: 1.6's replay key (station, connector, idTag, meterStart, start time: a replayed StartTransaction
 * carries the same values) guards 1.6 starts only. An OCPP 2.0.1 transaction is its station's own
 * transactionId (`transactions_by_station_id`): two of its sessions may start alike (a station without a
 * clock, no idToken, no reading), and the old constraint refused the second as a conflict for ever. The
 * partial index is built concurrently (transactions go on being stored), then the constraint dropped (an
 * instant's exclusive lock, waited for a short lock_timeout at a time: see `migrate.ts`); each step is safe to
 * run again. Forward-only.
 */
export const steps = [
  `create unique index concurrently if not exists transactions_start_replay_key_16
     on transactions (charge_point_id, connector_id, id_tag, meter_start, start_timestamp)
     where station_transaction_id is null`,
  `alter table transactions drop constraint if exists transactions_start_replay_key`,
];
