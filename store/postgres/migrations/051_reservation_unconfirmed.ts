/**
 * 051: a reservation held without the station's word (its ReserveNow got no answer we could read) says so in
 * the ledger, as the station's snapshot does (`Reservation.unconfirmed`); the station's Accepted clears it.
 * Rows before it were confirmed or ended. Forward-only. (050 was never assigned.)
 */
export const steps = [
  `alter table reservation add column if not exists unconfirmed boolean not null default false`,
] as const;
