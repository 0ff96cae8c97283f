/**
 * 043: security_event.message_id, the id of the station's CALL that caused the event (its own events:
 * SecurityEventNotification, a refused CSR), and a unique index over the station, that id, the kind and the
 * reason's md5 (the reason is the event: its type, station time and techInfo; it may be long), so that a CALL
 * the station sends again after its answer was lost (Security Whitepaper ed. 3 A04) is refused by the INSERT
 * that would store it twice, on every node, after any restart; a reused id with another event is stored. Rows
 * without a message id (every older row, every other kind) are outside the index and stay as they are.
 * Nullable, no default: adding it rewrites nothing; the index is built concurrently (events go on being
 * stored). Each step is safe to run again. Forward-only.
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: every node appends to the table.
  `alter table security_event add column if not exists message_id text collate "C"`,
  `create unique index concurrently if not exists security_event_message
     on security_event (charge_point_id, message_id, kind, md5(reason))
     where message_id is not null`,
] as const;
