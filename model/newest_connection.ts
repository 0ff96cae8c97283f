/**
 * Newest connection wins, across nodes: of two connections of one station, the later start wins; a tie (the
 * same millisecond on two nodes) goes to the greater node id. One rule for the registries (which socket to
 * close) and the presence stores (which node the row names), so the row never names the node whose socket
 * was closed: its release would then leave the station without a row, offline while connected. The
 * PostgreSQL presence (`cluster/postgres.ts`) says the same in SQL. The stores keep a stale connection's
 * snapshot off a newer one's by it too (PostgreSQL's `writeSnapshots` in SQL, KV's `planStation`). In
 * `model/` (pure) so that actors, cluster and stores can use it.
 */
export interface Connection {
  connectedAt: string;
  nodeId: string;
}

/** Whether `challenger` replaces `current` (the same connection again does: a claim repeated). */
export function replaces(challenger: Connection, current: Connection): boolean {
  if (challenger.connectedAt !== current.connectedAt) return challenger.connectedAt > current.connectedAt;
  return challenger.nodeId >= current.nodeId;
}
