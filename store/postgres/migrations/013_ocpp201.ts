/**
 * 013: OCPP 2.0.1 beside 1.6 (issue 17). Forward-only.
 *
 * - charge_points: the dialect of the station's last connection and its EVSEs' connector statuses;
 * - transactions: the station's own string id (unique per station), the seqNos of the TransactionEvents
 *   stored (idempotence by (transactionId, seqNo)) and the remoteStartId that started it;
 * - device_model: the station's device model as its NotifyReports described it, one row per variable.
 */
export const up = `
alter table charge_points add column ocpp_version text;
alter table charge_points add column evses jsonb;

alter table transactions add column station_transaction_id text;
alter table transactions add column seq_nos integer[];
alter table transactions add column remote_start_id integer;
create unique index transactions_by_station_id on transactions (charge_point_id, station_transaction_id)
  where station_transaction_id is not null;

create table device_model (
  charge_point_id text collate "C" not null,
  key             text collate "C" not null,
  entry           jsonb not null,
  updated_at      timestamptz not null,
  primary key (charge_point_id, key)
);
`;
