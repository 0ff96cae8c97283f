/**
 * 036: two OCPP 2.0.1 leftovers. Forward-only; each step is safe to run again (run outside a transaction, so
 * the index is built while transactions go on being stored).
 *
 * - status_history: 2.0.1 StatusNotifications, with the EVSE whose connector reported (null for 1.6) and no
 *   error code (2.0.1 has none). Metadata-only changes.
 * - transactions: a station that counts its transactionIds from the start again (after a reset) opens a new
 *   session under the id of one that ended: `station_id_reuse` numbers them (0 the first; a constant default,
 *   metadata-only), and the station's id is unique per station with it, so each reuse is stored once.
 *
 * A check constraint added with its column is verified by a scan of the table under the lock that stops its
 * writes; added `not valid` it is not, and `validate constraint` scans under a lock that lets writes go on.
 */
export const steps = [
  `alter table status_history add column if not exists evse_id integer`,
  addCheck("status_history", "status_history_evse_id_check", "evse_id >= 0"),
  `alter table status_history validate constraint status_history_evse_id_check`,
  `alter table status_history alter column error_code drop not null`,
  `alter table transactions add column if not exists station_id_reuse integer not null default 0`,
  addCheck("transactions", "transactions_station_id_reuse_check", "station_id_reuse >= 0"),
  `alter table transactions validate constraint transactions_station_id_reuse_check`,
  `create unique index concurrently if not exists transactions_by_station_id_reuse
     on transactions (charge_point_id, station_transaction_id, station_id_reuse)
     where station_transaction_id is not null`,
  `drop index concurrently if exists transactions_by_station_id`,
];

/** `add constraint ... not valid` (no scan), a no-op when a run before added it. */
function addCheck(table: string, name: string, check: string): string {
  return `do $$ begin
    alter table ${table} add constraint ${name} check (${check}) not valid;
  exception when duplicate_object then null;
  end $$`;
}
