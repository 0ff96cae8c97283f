/**
 * 038: `cluster_messages.receipt`, a token the sending node chooses before its INSERT, so it can withdraw a
 * message whose INSERT may have committed though its answer was lost (the connection broke after the
 * statement went out): the row's id never came back. Nullable, no default, no index (a node's inbox holds a
 * few rows; withdrawals are rare). Rows of older nodes have none: they withdraw by id, as before.
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: every node reads and writes this table all the time.
  `alter table cluster_messages add column if not exists receipt uuid`,
] as const;
