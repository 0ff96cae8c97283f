/**
 * The cluster's nodes as an operator sees them (GET /api/v1/cluster/nodes, the overview's notice): the live
 * ones, and those lost lately: a node whose lease ran out without leaving (killed, its machine gone), kept
 * `LOST_NODE_KEPT_MS` (a day) after it was lost, then forgotten. Nothing to dismiss: a day is long enough to be
 * seen and short enough to stop being news. A node that stops cleanly leaves and is not listed.
 *
 * @example
 * ```ts
 * import { describeNodes } from "./nodes.ts";
 * const nodes = describeNodes({
 *   selfId: "a",
 *   now: new Date("2026-01-01T12:00:00Z"),
 *   live: [{ nodeId: "a", startedAt: null, renewedAt: null, stations: 3 }],
 *   lost: [],
 * });
 * nodes[0]!.state; // "alive"
 * ```
 */

/** How long a lost node stays listed (ms): a day. */
export const LOST_NODE_KEPT_MS = 24 * 3600_000;

/** A node whose lease runs, as the presence store has it. */
export interface LiveNodeRecord {
  nodeId: string;
  startedAt: string | null;
  renewedAt: string | null;
  /** Stations it holds (its presence). */
  stations: number;
}

/** A node whose lease ran out, as recorded when it did. */
export interface LostNodeRecord {
  nodeId: string;
  startedAt: string | null;
  lastRenewedAt: string | null;
  /** When its lease ran out: from then on the other nodes counted its stations offline. */
  lostAt: string;
  /** Stations it held at its last renewal (null: not known, a node of an older version). */
  stationsAtRenewal: number | null;
  /** Stations still on it when its lease ran out (the others had reconnected elsewhere before). */
  leftBehind: number;
  /** Of `leftBehind`, those connected to a live node now. */
  leftBehindBack: number;
}

/** What the presence store knows of the nodes. */
export interface NodeRecords {
  live: LiveNodeRecord[];
  lost: LostNodeRecord[];
}

/** One node as the API lists it. */
export interface ClusterNodeView {
  nodeId: string;
  /** This process (the one that answered). */
  self: boolean;
  state: "alive" | "lost";
  startedAt: string | null;
  /** Its last lease renewal (null: no lease, a single process; or not known). */
  lastRenewedAt: string | null;
  /** Alive: stations it holds now. Lost: stations it held when it stopped (all of them lost their connection). */
  stations: number;
  /** Lost: when its lease ran out. */
  lostAt: string | null;
  /** Lost: of its stations, how many are connected to another node now (null: alive). */
  reconnected: number | null;
}

/**
 * The list: live nodes (this one first, then by id), then the nodes lost within `LOST_NODE_KEPT_MS` of `now`,
 * newest loss first; a lost node that is alive again (it was frozen, not dead) is listed alive only.
 */
export function describeNodes(input: {
  selfId: string;
  now: Date;
  live: readonly LiveNodeRecord[];
  lost: readonly LostNodeRecord[];
}): ClusterNodeView[] {
  const { selfId, now } = input;
  const live = [...input.live].sort((a, b) =>
    Number(b.nodeId === selfId) - Number(a.nodeId === selfId) || (a.nodeId < b.nodeId ? -1 : 1)
  );
  const alive = new Set(live.map((n) => n.nodeId));
  const since = now.getTime() - LOST_NODE_KEPT_MS;
  const lost = input.lost
    .filter((n) => !alive.has(n.nodeId) && Date.parse(n.lostAt) > since)
    .sort((a, b) => Date.parse(b.lostAt) - Date.parse(a.lostAt));
  return [
    ...live.map((n): ClusterNodeView => ({
      nodeId: n.nodeId,
      self: n.nodeId === selfId,
      state: "alive",
      startedAt: n.startedAt,
      lastRenewedAt: n.renewedAt,
      stations: n.stations,
      lostAt: null,
      reconnected: null,
    })),
    ...lost.map((n): ClusterNodeView => {
      // Its stations at its last renewal; those gone from it before its lease ran out had reconnected
      // elsewhere (a station's presence moves with it), the ones left behind came back since, or not.
      const stations = Math.max(n.stationsAtRenewal ?? 0, n.leftBehind);
      const movedEarly = stations - n.leftBehind;
      return {
        nodeId: n.nodeId,
        self: false,
        state: "lost",
        startedAt: n.startedAt,
        lastRenewedAt: n.lastRenewedAt,
        stations,
        lostAt: n.lostAt,
        reconnected: Math.min(stations, movedEarly + Math.min(n.leftBehindBack, n.leftBehind)),
      };
    }),
  ];
}
