/**
 * The cluster: several server processes (nodes), on one machine or many, acting as one Central System.
 *
 * - {@linkcode ClusterBus}: messages between nodes. `send` reaches one node once (a command, its answer);
 *   `broadcast` reaches every other node, best effort (presence hints, live events: soft state that the next
 *   presence reload corrects).
 * - {@linkcode PresenceStore}: which node holds which station. A station's lease is its node's: one renewal
 *   renews all of a node's stations at once, and a node that dies loses them all when its lease runs out.
 *
 * Implementations: `memory.ts` (nodes in one process, for tests) and `postgres.ts` (LISTEN/NOTIFY plus a
 * table). `node.ts` builds the cluster behaviour (routing, newest connection wins, events) on top of them.
 */

import type { NodeRecords } from "./nodes.ts";

/** A message between nodes: JSON, small (a command, an answer, a batch of events). */
export type BusMessage = { kind: string } & Record<string, unknown>;

export interface ClusterBus {
  readonly nodeId: string;
  /**
   * Delivers `message` to node `to` once; kept until that node reads it (a missed notification is caught up).
   * Resolves with the message's receipt, for `withdraw`, also when the message may have been kept (its write's
   * answer was lost): rejects only when it surely was not, so a rejected send is never acted on.
   */
  send(to: string, message: BusMessage): Promise<string>;
  /**
   * Takes back a message `send` left for `to`: true when that node had not read it (it never will), false when
   * it had (or the receipt is unknown).
   */
  withdraw(to: string, receipt: string): Promise<boolean>;
  /** Delivers `message` to every other node, best effort. */
  broadcast(message: BusMessage): Promise<void>;
  /** The one receiver of this node's messages (direct and broadcast). */
  onMessage(handler: (message: BusMessage, from: string) => void): void;
  close(): Promise<void>;
}

/** One station's lease: held by `nodeId` since `connectedAt` (the connection's own time, newest wins). */
export interface PresenceEntry {
  chargePointId: string;
  nodeId: string;
  connectedAt: string;
  remoteAddress: string;
}

/**
 * What an admin should fix on a node (its server warnings: settings, a store refusing writes, a loop failing),
 * kept with its lease so that every node's dashboard shows every node's.
 */
export interface NodeWarning {
  kind: string;
  message: string;
  task?: string | undefined;
  since?: string | undefined;
}

/** A live node's warnings as of its last renewal. */
export interface NodeWarnings {
  nodeId: string;
  warnings: NodeWarning[];
}

/** A node and how long its lease still runs (ms, measured by the presence store's own clock). */
export interface NodeLease {
  nodeId: string;
  remainingMs: number;
}

export interface PresenceStore {
  /** Records connections (this node's), unless a newer connection of the same station is recorded. */
  claim(entries: PresenceEntry[]): Promise<void>;
  /** Forgets connections that closed (only if they are still this node's with that start time). */
  release(entries: { chargePointId: string; connectedAt: string }[]): Promise<void>;
  /**
   * Renews this node's lease (and so every station it holds) for `leaseMs`; `stations`, how many it holds, is
   * kept with it (what the others tell the operator it held, should it die), and its `warnings`.
   */
  renew(leaseMs: number, stations?: number, warnings?: NodeWarning[]): Promise<void>;
  /** The live nodes (lease not run out). */
  nodes(): Promise<NodeLease[]>;
  /** The live nodes' warnings as of their last renewal (a node of an older version: none). */
  warnings(): Promise<NodeWarnings[]>;
  /** Every station held by a live node (this one's too). */
  stations(): Promise<PresenceEntry[]>;
  /** Drops this node's lease and stations (a clean shutdown). */
  leave(): Promise<void>;
}

/** The nodes, live and lost lately (`nodes.ts`); kept by the PostgreSQL backend only. */
export interface NodeHistory {
  /** Records the nodes whose lease ran out since the last look, then reads the live nodes and the lost. */
  read(): Promise<NodeRecords>;
}

/** A cluster backend for one node. */
export interface ClusterBackend {
  bus: ClusterBus;
  presence: PresenceStore;
  /** Lost nodes kept for the operator; without it only the live nodes are known. */
  history?: NodeHistory;
  close(): Promise<void>;
}
