/**
 * GET /api/v1/cluster/nodes as this process can answer it (`nodes.ts` describes): on PostgreSQL the live nodes
 * and those lost lately (its history), on another cluster backend the live nodes only, alone this process (a
 * single-node list, so the answer has one shape).
 */
import type { ClusterBackend } from "./mod.ts";
import { type ClusterNodeView, describeNodes } from "./nodes.ts";

export function clusterNodeList(
  backend: ClusterBackend | undefined,
  selfId: string,
  stationsHere: () => number,
  now: () => Date,
): () => Promise<ClusterNodeView[]> {
  const startedAt = now().toISOString();
  if (!backend) {
    return () =>
      Promise.resolve(describeNodes({
        selfId,
        now: now(),
        live: [{ nodeId: selfId, startedAt, renewedAt: null, stations: stationsHere() }],
        lost: [],
      }));
  }
  const { history, presence } = backend;
  if (history) return async () => describeNodes({ selfId, now: now(), ...await history.read() });
  return async () => {
    const [leases, stations] = await Promise.all([presence.nodes(), presence.stations()]);
    const held = new Map<string, number>();
    for (const s of stations) held.set(s.nodeId, (held.get(s.nodeId) ?? 0) + 1);
    return describeNodes({
      selfId,
      now: now(),
      live: leases.map((l) => ({
        nodeId: l.nodeId,
        startedAt: l.nodeId === selfId ? startedAt : null,
        renewedAt: null,
        stations: held.get(l.nodeId) ?? 0,
      })),
      lost: [],
    });
  };
}
