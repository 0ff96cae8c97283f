/**
 * 012: the cluster (issue 12): nodes and their leases, which node holds which station, the messages between
 * nodes that must survive a missed notification, the shared authentication back-off and the shared log of
 * refused handshakes. Forward-only.
 *
 * Presence, messages and refused handshakes are soft state: UNLOGGED (not crash-safe, cheaper to write); a
 * crash of PostgreSQL empties them and the nodes fill them again (renewal, reconnecting stations).
 */
export const up = `
create unlogged table cluster_nodes (
  node_id    text collate "C" primary key,
  started_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create unlogged table cluster_presence (
  charge_point_id text collate "C" primary key,
  node_id         text collate "C" not null,
  -- ISO 8601 in UTC with milliseconds: compared as text, newest connection wins.
  connected_at    text collate "C" not null,
  remote_address  text not null
);
create index cluster_presence_node on cluster_presence (node_id);

create unlogged table cluster_messages (
  id         bigserial primary key,
  -- '*': a broadcast too large for a notification, read (not taken) by every node.
  to_node    text collate "C" not null,
  from_node  text collate "C" not null,
  body       jsonb not null,
  created_at timestamptz not null default now()
);
create index cluster_messages_to on cluster_messages (to_node, id);

create table auth_backoff (
  key           text collate "C" primary key,
  failures      integer not null,
  blocked_until bigint not null,
  last_failure  bigint not null
);
create index auth_backoff_last_failure on auth_backoff (last_failure);

create unlogged table handshake_failures (
  id              bigserial primary key,
  at              text not null,
  node_id         text not null,
  charge_point_id text,
  remote_address  text not null,
  status          integer not null,
  reason          text not null
);
`;
