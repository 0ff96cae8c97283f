/**
 * 049: the station key checks' failure budgets of a cluster (`cluster/postgres_views.ts`,
 * security/shared_failure_budgets.ts): one token bucket per source (an address, an IPv6 /64 or /48), written
 * by failed checks only. Soft state, as the other shared protections' presence: UNLOGGED (a crash of
 * PostgreSQL empties it, and a guesser's budget starts full again). Forward-only.
 */
export const steps = [
  `create unlogged table if not exists key_check_budgets (
     key    text collate "C" primary key,
     -- The bucket's size and refill per second when last spent (a node's settings).
     burst  float8 not null,
     rate   float8 not null,
     tokens float8 not null,
     -- When tokens was computed, ms since the epoch (the spending node's clock).
     at_ms  bigint not null
   )`,
] as const;
