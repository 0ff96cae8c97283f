/**
 * 064: each node's server warnings (a store refusing writes, a background loop failing, stations not
 * authenticated), written with its lease renewal, so an admin on any node's dashboard sees every node's.
 * Null: none, or a node of an older version. Forward-only.
 */
export const steps = [
  // Nullable, no default: a catalog change only; its own short lock_timeout, retried (every node renews here).
  `alter table cluster_nodes add column if not exists warnings jsonb`,
] as const;
