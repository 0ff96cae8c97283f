/**
 * The supervisor: knows every live actor, routes operator commands and changes to it, and drives the one
 * shared timer that expires pending calls (no timer per station).
 */
import {
  applyPatch,
  type ChargePointRecord,
  emptyRecord,
  type SnapshotPatch,
} from "../model/charge_point.ts";
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
import { NotConnectedError } from "./errors.ts";
import type { FrameLogEntry } from "./frame_log.ts";
import { OCPP16_ACTOR } from "./ocpp16.ts";

export interface RegistryOptions {
  /** How often pending calls are checked for timeouts. */
  sweepIntervalMs: number;
}

export interface ConnectedStation {
  id: string;
  remoteAddress: string;
  connectedAt: string;
}

export class Registry {
  #actors = new Map<string, Actor>();
  /** Snapshot writes for stations that are not connected; an actor spawned meanwhile loads after them. */
  #offlineWrites = new Map<string, Promise<unknown>>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly deps: ActorDeps, private readonly options: RegistryOptions) {}

  /** Starts the shared sweep timer. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.sweep(this.deps.now().getTime()), this.options.sweepIntervalMs);
  }

  /**
   * Spawns the actor of a freshly opened socket, speaking `dialect` (what the station's subprotocol chose). A
   * second connection with the same id REPLACES the first: the old socket is closed with 4000, and the new
   * actor loads its snapshot only after the old one stopped.
   */
  spawn(
    id: string,
    socket: StationSocket,
    remoteAddress: string,
    dialect: ActorDialect = OCPP16_ACTOR,
  ): ChargePointActor {
    const previous = this.#actors.get(id);
    const actor = new ChargePointActor(id, remoteAddress, socket, this.deps, {
      // A late close of a replaced actor must never evict its successor.
      onStopped: (stopped) => {
        if (this.#actors.get(id) === stopped) this.#actors.delete(id);
      },
    }, dialect);
    this.#actors.set(id, actor);
    if (previous) {
      previous.log.info("connection replaced", { remoteAddress: previous.remoteAddress, by: remoteAddress });
      previous.close(CLOSE_CODES.replaced, "Replaced by a new connection");
    }
    actor.log.info("connection opened", { remoteAddress });
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
  ): Promise<{ record: ChargePointRecord; created: boolean }> {
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) return { record: await actor.updateSnapshot(update), created: false };
    const previous = this.#offlineWrites.get(id);
    const write = (async () => {
      await previous?.catch(() => {});
      await actor?.stopped;
      const existing = await this.deps.store.getChargePoint(id);
      const patch = typeof update === "function"
        ? update(existing ?? emptyRecord(id, this.deps.now()))
        : update;
      const base = existing ?? emptyRecord(id, new Date(patch.updatedAt ?? this.deps.now().toISOString()));
      const snapshot: SnapshotPatch = existing ? patch : { createdAt: base.createdAt, ...patch };
      const result = await this.deps.store.commit({ chargePointId: id, snapshot });
      if (!result.ok) throw new Error(`Cannot update the snapshot of "${id}": ${result.conflict}`);
      return { record: applyPatch(base, patch), created: existing === null };
    })();
    this.#offlineWrites.set(id, write);
    try {
      return await write;
    } finally {
      if (this.#offlineWrites.get(id) === write) this.#offlineWrites.delete(id);
    }
  }

  get(id: string): ChargePointActor | undefined {
    return this.#actors.get(id);
  }

  isConnected(id: string): boolean {
    const actor = this.#actors.get(id);
    return actor !== undefined && !actor.isStopping;
  }

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
   * station's actor refuses a command its dialect does not have. Callers validate the payload first.
   */
  async send(id: string, action: string, payload: unknown, options: CallOptions = {}): Promise<unknown> {
    if (!isCsToCpAction(action) && !isCsToCpAction201(action)) {
      throw new OcppError("NotSupported", `Action "${action}" is not sent by a Central System`);
    }
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) return await actor.call(action, payload, options);
    const error = new NotConnectedError(id, action);
    if (options.log === false) throw error;
    const at = this.deps.now().toISOString();
    const command = { action, payload, requestedBy: options.requestedBy ?? "anonymous", requestedAt: at };
    this.deps.metrics?.commandFinished(action, "not_connected");
    try {
      await this.deps.store.commit({
        chargePointId: id,
        commandLog: [commandLogEntry(id, command, { error }, at)],
      });
    } catch (logError) {
      this.deps.logger.warn("cannot append command log", {
        chargePointId: id,
        action,
        error: String(logError),
      });
    }
    throw error;
  }

  /** Disconnects a station; resolves when its actor has stopped. */
  async stop(id: string, code: number = CLOSE_CODES.stoppedByOperator, reason = "Stopped by operator") {
    const actor = this.#actors.get(id);
    if (!actor) return false;
    actor.close(code, reason);
    await actor.stopped;
    return true;
  }

  /** The last OCPP frames of a station, oldest first (also after it disconnected, within bounds). */
  recentFrames(id: string): FrameLogEntry[] {
    return this.deps.frames.list(id);
  }

  sweep(nowMs: number): void {
    for (const actor of this.#actors.values()) actor.sweep(nowMs);
  }

  /** Closes every station with 1001 and waits for their actors to save and stop. */
  async shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const actors = [...this.#actors.values()];
    for (const actor of actors) actor.close(CLOSE_CODES.goingAway, "Server shutting down");
    await Promise.all(actors.map((a) => a.stopped));
  }
}
