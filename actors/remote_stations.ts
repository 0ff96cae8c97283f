/**
 * What the registry needs from a cluster: where a station not connected to this process is connected, and a
 * way to reach its actor there. `cluster/node.ts` implements it over a cluster bus; a single process has none
 * (the registry is then exactly the local one).
 */
import type { LiveRecord, SnapshotPatch } from "../model/charge_point.ts";
import type { ProtocolErrorsClear } from "../model/protocol_errors.ts";
import type { SnapshotChange } from "../model/snapshot_change.ts";
import type { CallOptions } from "./charge_point.ts";
import type { FrameLogEntry } from "./frame_log.ts";

/** A station's connection as the cluster's presence knows it. */
export interface StationConnection {
  id: string;
  remoteAddress: string;
  connectedAt: string;
  /** The node (process) holding the socket. */
  nodeId: string;
}

export interface RemoteStations {
  /** This process's node id. */
  readonly nodeId: string;
  /** Where `id` is connected on another live node, or null. */
  connection(id: string): StationConnection | null;
  /** Every station connected to another live node. */
  list(): StationConnection[];
  /** How many of `list()` `isLocal` does not claim, without building the list (a gauge's scrape). */
  countOthers(isLocal: (id: string) => boolean): number;
  /**
   * Why a command to `id` (not connected here, nor on a live node) cannot be delivered: e.g. its node's
   * presence expired. Null when nothing is known.
   */
  whyUnreachable(id: string): string | null;
  /** Runs the command on the owner's actor; rejects with the same typed errors as a local call. */
  call(owner: StationConnection, action: string, payload: unknown, options: CallOptions): Promise<unknown>;
  /** Closes the station's socket on its node; false when it was not connected there any more. */
  stop(owner: StationConnection, code: number, reason: string): Promise<boolean>;
  /**
   * Closes the station's socket on whichever other live node holds it, asking every one (best effort, bounded
   * wait): also a node whose presence has not reached this one yet. True when one closed it.
   */
  stopAnywhere(id: string, code: number, reason: string): Promise<boolean>;
  /** The station's recent frames, from the node that holds its socket. */
  frames(owner: StationConnection): Promise<FrameLogEntry[]>;
  /** The frames every other live node still keeps of a station connected nowhere (best effort, bounded wait). */
  framesAnywhere(id: string): Promise<FrameLogEntry[]>;
  /** Patches the snapshot through the owner's actor (so its memory sees the change). */
  updateSnapshot(owner: StationConnection, update: SnapshotPatch | SnapshotChange): Promise<LiveRecord>;
  /**
   * Clears the station's protocol errors on the owner (`Registry.clearProtocolErrorsHere`): its actor decides on
   * the errors it holds, written or not, and says what it cleared or why not.
   */
  clearProtocolErrors(
    owner: StationConnection,
    seenAt: string,
    at: string,
  ): Promise<ProtocolErrorsClear | null>;
  /** A socket was handed to an actor here. */
  opened(connection: Omit<StationConnection, "nodeId">): void;
  /** That actor stopped. */
  closed(id: string, connectedAt: string): void;
}
