/**
 * 053: the reservation sweep reads the active unconfirmed reservations every round (what became of a ReserveNow
 * nobody answered), a handful among the whole history: a partial index keeps that read off the table.
 * Forward-only.
 */
export const steps = [
  `create index concurrently if not exists reservation_unconfirmed_active on reservation (reservation_id)
    where state = 'active' and unconfirmed`,
] as const;
