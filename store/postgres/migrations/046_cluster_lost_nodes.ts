/**
 * 046: what the operator is told about a node that stopped without leaving (killed, its machine gone): each
 * node's lease row says when it was last renewed and how many stations it held then (`renewed_at`, `stations`,
 * nullable: an older node writes neither), and `cluster_lost_nodes` keeps a node whose lease ran out for a day
 * (GET /api/v1/cluster/nodes, the overview's notice), with the stations still on it when its lease ran out.
 * Forward-only.
 *
 * Logged, unlike the presence tables: a notice the operator has not read yet should survive a crash of
 * PostgreSQL. A few rows a day at most.
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: every node renews its lease in this table.
  `alter table cluster_nodes
     add column if not exists renewed_at timestamptz,
     add column if not exists stations integer`,
  `create table if not exists cluster_lost_nodes (
     node_id         text collate "C" primary key,
     started_at      timestamptz,
     last_renewed_at timestamptz,
     -- When its lease ran out: the other nodes then counted its stations offline.
     lost_at         timestamptz not null,
     -- Stations it held at its last renewal (null: unknown, a node of an older version).
     stations        integer,
     -- Stations still on it when its lease ran out (the others had reconnected elsewhere already).
     left_behind     text[] not null default '{}',
     recorded_at     timestamptz not null default now()
   )`,
] as const;
