/**
 * The supervisor: knows every live actor, routes operator commands and changes to it, and drives the one
 * shared timer that expires pending calls (no timer per station).
 */
import { applyPatch, emptyRecord, type LiveRecord, type SnapshotPatch } from "../model/charge_point.ts";
import type { ProtocolErrorsClear } from "../model/protocol_errors.ts";
import { isSnapshotChange, patchFor, type SnapshotChange } from "../model/snapshot_change.ts";
import type { CsToCpAction, RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import { isCsToCpAction } from "../protocol/ocpp16/mod.ts";
import { isCsToCpAction as isCsToCpAction201 } from "../protocol/ocpp201/mod.ts";
import { OcppError } from "../protocol/ocppj/errors.ts";
import {
  type CallOptions,
  ChargePointActor,
  type ChargePointActor as Actor,
  CLOSE_CODES,
  commandLogEntry,
  type SnapshotUpdate,
  type StationSocket,
} from "./charge_point.ts";
import type { ActorDeps } from "./deps.ts";
import type { ActorDialect } from "./dialect.ts";
import { NodeLostError, NotConnectedError, NotDeliveredError } from "./errors.ts";
import type { FrameLogEntry } from "./frame_log.ts";
import { replaces, startAfter } from "../model/newest_connection.ts";
import { OCPP16_ACTOR } from "./ocpp16.ts";
import type { RemoteStations, StationConnection } from "./remote_stations.ts";
import { currentConnectionKnown } from "./current_connection.ts";
import type { SecurityProfile } from "../store/station_security.ts";

export interface RegistryOptions {
  /** How often pending calls are checked for timeouts. */
  sweepIntervalMs: number;
  /**
   * How long a replaced connection's change waits for the station's current connection to be known before it
   * is written as for a station offline (default 10 s; a cluster's presence lease: a reload comes within it).
   */
  replacedChangeWaitMs?: number;
}

/** `RegistryOptions.replacedChangeWaitMs` when not given. */
const REPLACED_CHANGE_WAIT_MS = 10_000;

export interface ConnectedStation {
  id: string;
  remoteAddress: string;
  connectedAt: string;
}

export type { StationConnection } from "./remote_stations.ts";

export class Registry {
  #actors = new Map<string, Actor>();
  /** Snapshot writes for stations that are not connected; an actor spawned meanwhile loads after them. */
  #offlineWrites = new Map<string, Promise<unknown>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The rest of the cluster; null in a single process. */
  #remote: RemoteStations | null = null;
  /** Aborted at shutdown: the replaced connections' changes stop waiting for a current one. */
  #shuttingDown = new AbortController();
  /** This process's id when it is no cluster node (see `senderId`). */
  readonly #processId = crypto.randomUUID();
  /** `deps` as the actors get them: with this process's id for the command log rows they send. */
  readonly #actorDeps: ActorDeps;

  constructor(readonly deps: ActorDeps, private readonly options: RegistryOptions) {
    this.#actorDeps = { ...deps, senderId: () => this.senderId };
  }

  /** Joins a cluster: stations connected to other nodes become reachable through it. */
  attachCluster(remote: RemoteStations): void {
    this.#remote = remote;
  }

  /** This process's node id in a cluster, or null. */
  get nodeId(): string | null {
    return this.#remote?.nodeId ?? null;
  }

  /**
   * Who sends this process's commands, on their command log rows: the cluster node's id, else an id of this
   * run (the rows a crashed run left `sending` are the next run's to settle).
   */
  get senderId(): string {
    return this.#remote?.nodeId ?? this.#processId;
  }

  /** Starts the shared sweep timer. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.sweep(this.deps.now().getTime()), this.options.sweepIntervalMs);
  }

  /**
   * Spawns the actor of a freshly opened socket, speaking `dialect` (what the station's subprotocol chose), let
   * in at `securityProfile` (what the station gate checked; 0: no authentication). A second connection with
   * the same id REPLACES the first: the old socket is closed with 4000, and the new actor loads its snapshot
   * only after the old one stopped.
   */
  spawn(
    id: string,
    socket: StationSocket,
    remoteAddress: string,
    dialect: ActorDialect = OCPP16_ACTOR,
    securityProfile: SecurityProfile = 0,
  ): ChargePointActor {
    const previous = this.#actors.get(id);
    // After the connections of the station known here (nodes' clocks differ; this one's may have stepped back).
    const connectedAt = startAfter(this.deps.now(), [
      previous && { connectedAt: previous.connectedAt.toISOString(), nodeId: this.senderId },
      this.#remote?.connection(id),
    ]);
    const actor = new ChargePointActor(
      id,
      remoteAddress,
      socket,
      this.#actorDeps,
      {
        // A late close of a replaced actor must never evict its successor.
        onStopped: (stopped) => {
          if (this.#actors.get(id) === stopped) this.#actors.delete(id);
          this.#remote?.closed(id, stopped.connectedAt.toISOString());
        },
        onReplacedChange: (change) => void this.forwardReplaced(id, actor, change),
      },
      dialect,
      securityProfile,
      connectedAt,
    );
    this.#actors.set(id, actor);
    if (previous) {
      previous.log.info("connection replaced", { remoteAddress: previous.remoteAddress, by: remoteAddress });
      previous.close(CLOSE_CODES.replaced, "Replaced by a new connection");
    }
    actor.log.info("connection opened", { remoteAddress });
    this.#remote?.opened({ id, remoteAddress, connectedAt: actor.connectedAt.toISOString() });
    const offlineWrite = this.#offlineWrites.get(id);
    actor.start(Promise.all([previous?.stopped, offlineWrite?.catch(() => {})]).then(() => {}));
    return actor;
  }

  /**
   * Patches a station's snapshot on an operator's behalf (its registration, say): through its actor when
   * connected (nothing else touches a live station's state), else one commit of the patch, which a station
   * connecting meanwhile waits for. A station the store does not know is created.
   */
  async updateSnapshot(
    id: string,
    update: SnapshotUpdate,
  ): Promise<{ record: LiveRecord; created: boolean }> {
    const owner = this.#actors.has(id) ? null : this.#remote?.connection(id);
    if (owner) {
      try {
        return { record: await this.#remote!.updateSnapshot(owner, update), created: false };
      } catch (error) {
        // Its node is gone (the station with it): written here, as for a station offline.
        if (!(error instanceof NotConnectedError)) throw error;
      }
    }
    return await this.updateSnapshotHere(id, update);
  }

  /** As updateSnapshot(), never routed to another node (what a node does for the one that routed it). */
  async updateSnapshotHere(
    id: string,
    update: SnapshotUpdate,
  ): Promise<{ record: LiveRecord; created: boolean }> {
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) {
      try {
        return { record: await actor.updateSnapshot(update), created: false };
      } catch (error) {
        // A connection that closes without a snapshot (refused at its load: decommissioned, or the store
        // failed) cannot apply it: written as for a station offline, once its actor has stopped.
        if (!(error instanceof NotConnectedError)) throw error;
      }
    }
    return await this.#writeOffline(id, actor, async () => {
      const existing = await this.deps.store.getChargePoint(id);
      const patch = isSnapshotChange(update)
        ? patchFor(existing ?? emptyRecord(id, this.deps.now()), update)
        : update;
      const base = existing ?? emptyRecord(id, new Date(patch.updatedAt ?? this.deps.now().toISOString()));
      const snapshot: SnapshotPatch = existing ? patch : { createdAt: base.createdAt, ...patch };
      const result = await this.deps.store.commit({ chargePointId: id, snapshot });
      if (!result.ok) throw new Error(`Cannot update the snapshot of "${id}": ${result.conflict}`);
      return { record: applyPatch(base, patch), created: existing === null };
    });
  }

  /**
   * Clears a station's protocol errors whose last one the operator saw at `seenAt`, decided where they are
   * current: by its actor when connected (on the node holding it: the errors it noted and has not written yet
   * count), else by one conditional write of its record. Null for a station the store does not know.
   */
  async clearProtocolErrors(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null> {
    const owner = this.#actors.has(id) ? null : this.#remote?.connection(id);
    if (owner) {
      try {
        return await this.#remote!.clearProtocolErrors(owner, seenAt, at);
      } catch (error) {
        // Its node is gone (the station with it): cleared in the store, as for a station offline.
        if (!(error instanceof NotConnectedError)) throw error;
      }
    }
    return await this.clearProtocolErrorsHere(id, seenAt, at);
  }

  /** As clearProtocolErrors(), never routed to another node (what a node does for the one that routed it). */
  async clearProtocolErrorsHere(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null> {
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) {
      try {
        return await actor.clearProtocolErrors(seenAt, at);
      } catch (error) {
        // Refused at its load or replaced by a newer connection: decided by the store, once it has stopped.
        if (!(error instanceof NotConnectedError)) throw error;
      }
    }
    return await this.#writeOffline(id, actor, () => this.deps.store.clearProtocolErrors(id, seenAt, at));
  }

  /**
   * An operator's write of a station not connected here, after the writes before it and once `actor` (a
   * connection closing) has stopped; a station connecting here meanwhile waits for it (`spawn`).
   */
  async #writeOffline<T>(
    id: string,
    actor: ChargePointActor | undefined,
    write: () => Promise<T>,
  ): Promise<T> {
    const previous = this.#offlineWrites.get(id);
    const written = (async () => {
      await previous?.catch(() => {});
      await actor?.stopped;
      return await write();
    })();
    this.#offlineWrites.set(id, written);
    try {
      return await written;
    } finally {
      if (this.#offlineWrites.get(id) === written) this.#offlineWrites.delete(id);
    }
  }

  /**
   * A change a replaced actor could not write goes to the station's current connection (here or on its node;
   * none known within `replacedChangeWaitMs`: written as for a station offline), once that actor has stopped,
   * so it is not routed back to it. The hook of the actors spawned here; public for its tests.
   */
  async forwardReplaced(
    id: string,
    replaced: Pick<ChargePointActor, "stopped" | "log">,
    change: SnapshotChange,
  ): Promise<void> {
    try {
      await replaced.stopped;
      // A newer connection replaced it, but this node may not know where yet (`currentConnectionKnown`).
      const bound = this.options.replacedChangeWaitMs ?? REPLACED_CHANGE_WAIT_MS;
      if (!await currentConnectionKnown(() => this.isConnected(id), bound, this.#shuttingDown.signal)) {
        replaced.log.info(
          "no current connection known for a replaced connection's change: written as offline",
          {
            change: change.change,
          },
        );
      }
      await this.updateSnapshot(id, change);
    } catch (error) {
      replaced.log.warn("cannot hand a change to the station's current connection", {
        change: change.change,
        error: String(error),
      });
    }
  }

  get(id: string): ChargePointActor | undefined {
    return this.#actors.get(id);
  }

  /** Connected here or, in a cluster, on another live node. */
  isConnected(id: string): boolean {
    const actor = this.#actors.get(id);
    return (actor !== undefined && !actor.isStopping) || this.#remote?.connection(id) != null;
  }

  /** Connected to this process. */
  isConnectedHere(id: string): boolean {
    const actor = this.#actors.get(id);
    return actor !== undefined && !actor.isStopping;
  }

  /** Where a station is connected in the whole cluster (this process first), or null; nodeId "" without one. */
  connection(id: string): StationConnection | null {
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) {
      return {
        id,
        remoteAddress: actor.remoteAddress,
        connectedAt: actor.connectedAt.toISOString(),
        nodeId: this.#remote?.nodeId ?? "",
      };
    }
    return this.#remote?.connection(id) ?? null;
  }

  /** Every connected station of the cluster: this process's and the other live nodes'. */
  listCluster(): StationConnection[] {
    const here = this.list().map((s) => ({ ...s, nodeId: this.#remote?.nodeId ?? "" }));
    if (!this.#remote) return here;
    const local = new Set(here.map((s) => s.id));
    return [...here, ...this.#remote.list().filter((s) => !local.has(s.id))];
  }

  /** The stations connected to this process. */
  list(): ConnectedStation[] {
    return [...this.#actors.values()].map((a) => ({
      id: a.id,
      remoteAddress: a.remoteAddress,
      connectedAt: a.connectedAt.toISOString(),
    }));
  }

  get size(): number {
    return this.#actors.size;
  }

  /** `listCluster().length`, counted. */
  get clusterSize(): number {
    return this.#actors.size + (this.#remote?.countOthers((id) => this.#actors.has(id)) ?? 0);
  }

  /**
   * The single way to send a CS->CP command; every command lands in the command log, sent or not. Rejects
   * with NotConnectedError, CallTimeoutError, CallErrorResponse, InvalidResponseError, CommandRefusedError
   * (unless `force`), or OcppError for an action we never send.
   */
  async call<A extends CsToCpAction>(
    id: string,
    action: A,
    payload: RequestOf<A>,
    options: CallOptions = {},
  ): Promise<ResponseOf<A>> {
    return await this.send(id, action, payload, options) as ResponseOf<A>;
  }

  /**
   * `call` for a command of any dialect we speak (OCPP 2.0.1's `RequestStartTransaction`, say), untyped: the
   * station's actor refuses a command its dialect does not have. Callers validate the payload first. A station
   * connected to another node gets it through that node.
   */
  async send(id: string, action: string, payload: unknown, options: CallOptions = {}): Promise<unknown> {
    assertSentByUs(action);
    // The id of its one log row, chosen here: a node that holds the station writes it `sending` and settles
    // it; should that node be lost, this one settles the same row (by id), never a second one.
    if (options.logId === undefined) options = { ...options, logId: crypto.randomUUID() };
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) return await actor.call(action, payload, options);
    const owner = this.#remote?.connection(id);
    if (!owner) return await this.#notConnected(id, action, payload, options);
    try {
      return await this.#remote!.call(owner, action, payload, options);
    } catch (error) {
      // Its node never took it, or died with it: nobody else logs it.
      if (error instanceof NotDeliveredError || error instanceof NodeLostError) {
        await this.#logFailed(id, action, payload, options, error);
      }
      throw error;
    }
  }

  /** As send(), for a command another node routed here: never routed on (no ping-pong between nodes). */
  async callHere(id: string, action: string, payload: unknown, options: CallOptions = {}): Promise<unknown> {
    assertSentByUs(action);
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) return await actor.call(action, payload, options);
    return await this.#notConnected(id, action, payload, options);
  }

  async #notConnected(
    id: string,
    action: string,
    payload: unknown,
    options: CallOptions,
  ): Promise<never> {
    const why = this.#remote?.whyUnreachable(id);
    const error = why ? new NotConnectedError(id, action, why) : new NotConnectedError(id, action);
    await this.#logFailed(id, action, payload, options, error);
    throw error;
  }

  /** A command no actor answered, in the command log (unless `log: false`). */
  async #logFailed(
    id: string,
    action: string,
    payload: unknown,
    options: CallOptions,
    error: NotConnectedError | NodeLostError,
  ): Promise<void> {
    if (options.log === false) return;
    const at = this.deps.now().toISOString();
    const command = {
      action,
      payload,
      requestedBy: options.requestedBy ?? "anonymous",
      requestedAt: at,
      logId: options.logId,
    };
    // A lost node's command: `unknown`, settling the row it wrote (or the only one, if it died before).
    const entry = commandLogEntry(id, command, { error }, at);
    this.deps.metrics?.commandFinished(action, entry.outcome);
    try {
      await this.deps.store.commit({
        chargePointId: id,
        commandLog: [entry],
      });
    } catch (logError) {
      this.deps.logger.warn("cannot append command log", {
        chargePointId: id,
        action,
        error: String(logError),
      });
    }
  }

  /** Disconnects a station (on whichever node holds it); resolves when its actor has stopped. */
  async stop(id: string, code: number = CLOSE_CODES.stoppedByOperator, reason = "Stopped by operator") {
    const actor = this.#actors.get(id);
    if (!actor) {
      const owner = this.#remote?.connection(id);
      if (!owner) return false;
      try {
        return await this.#remote!.stop(owner, code, reason);
      } catch (error) {
        // Its node is gone, and the station's connection with it.
        if (error instanceof NotConnectedError) return false;
        throw error;
      }
    }
    actor.close(code, reason);
    await actor.stopped;
    return true;
  }

  /**
   * As stop(), but asks every live node of a cluster rather than the one its presence names: a station that
   * has just connected to another node is closed too, before that node's presence reaches this one.
   */
  async stopEverywhere(id: string, code: number, reason: string): Promise<boolean> {
    const here = this.#actors.get(id);
    here?.close(code, reason);
    const elsewhere = this.#remote ? this.#remote.stopAnywhere(id, code, reason) : Promise.resolve(false);
    const [, stopped] = await Promise.all([here?.stopped, elsewhere]);
    return here !== undefined || stopped;
  }

  /** The last OCPP frames of a station, oldest first (also after it disconnected, within bounds). */
  recentFrames(id: string): FrameLogEntry[] {
    return this.deps.frames.list(id);
  }

  /**
   * As recentFrames(), read from the node that holds the station's socket when that is another one, or from
   * every node when it is connected nowhere.
   */
  async framesOf(id: string): Promise<FrameLogEntry[]> {
    if (this.#actors.has(id) || !this.#remote) return this.recentFrames(id);
    const owner = this.#remote.connection(id);
    if (owner) {
      try {
        return await this.#remote.frames(owner);
      } catch (error) {
        // Its node is gone with its frames: whatever the others keep.
        if (!(error instanceof NotConnectedError)) throw error;
      }
    }
    // Connected nowhere: whichever nodes held it last still keep its frames.
    const all = [...this.recentFrames(id), ...await this.#remote.framesAnywhere(id)];
    all.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return all.slice(-Math.max(1, this.deps.frames.perStation));
  }

  /**
   * A newer connection of `id` opened on another node (newest wins cluster-wide): the socket here, if older,
   * is closed with 4000 like a local replacement.
   */
  replacedElsewhere(id: string, connectedAt: string, nodeId: string): void {
    const actor = this.#actors.get(id);
    if (!actor || actor.isStopping) return;
    const here = actor.connectedAt.toISOString();
    // A tie (same millisecond) goes to the greater node id, so both nodes (and presence) decide alike.
    if (!replaces({ connectedAt, nodeId }, { connectedAt: here, nodeId: this.#remote?.nodeId ?? "" })) return;
    actor.log.info("connection replaced", { remoteAddress: actor.remoteAddress, byNode: nodeId });
    actor.close(CLOSE_CODES.replaced, "Replaced by a new connection");
  }

  sweep(nowMs: number): void {
    for (const actor of this.#actors.values()) actor.sweep(nowMs);
  }

  /** Closes every station with 1001 and waits for their actors to save and stop. */
  async shutdown(): Promise<void> {
    this.#shuttingDown.abort();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const actors = [...this.#actors.values()];
    for (const actor of actors) actor.close(CLOSE_CODES.goingAway, "Server shutting down");
    await Promise.all(actors.map((a) => a.stopped));
  }

  /**
   * After a shutdown() cut short: the stations whose actors still wait for the store (a CALL's write or the
   * close's), and those of them with a CALL unanswered (their sockets are closed: they send it again).
   */
  get stillStopping(): { stations: string[]; unanswered: string[] } {
    const stations = [...this.#actors.values()].filter((a) => a.isStopping);
    return {
      stations: stations.map((a) => a.id),
      unanswered: stations.filter((a) => a.hasUnansweredCall).map((a) => a.id),
    };
  }
}

/** Refuses an action no dialect of ours sends to a station. */
function assertSentByUs(action: string): void {
  if (!isCsToCpAction(action) && !isCsToCpAction201(action)) {
    throw new OcppError("NotSupported", `Action "${action}" is not sent by a Central System`);
  }
}
