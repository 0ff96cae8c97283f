/**
 * 048: which connection of the station last wrote its snapshot (its start and the node that held it), so a
 * node frozen past its lease, thawed, cannot write the connectors it knew over those of the station's newer
 * connection on another node (`PgChargePoints.writeSnapshots`, the order of `model/newest_connection.ts`).
 * Null: written by no connection yet (an operator's patch, an import, a row of an older version). Text in
 * collation "C", compared as `replaces()` compares them in JavaScript. Forward-only.
 */
export const steps = [
  // Nullable, no default: a catalog change only, no table rewrite; its own short lock_timeout, retried.
  `alter table charge_points
     add column if not exists written_by_connected_at text collate "C",
     add column if not exists written_by_node text collate "C"`,
] as const;
