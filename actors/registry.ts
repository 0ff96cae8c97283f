/**
 * The supervisor: knows every live actor, routes operator commands to it, and drives the one shared timer
 * that expires pending calls (no timer per station).
 */
import { isCsToCpAction } from "../protocol/ocpp16/mod.ts";
import { OcppError } from "../protocol/ocppj/errors.ts";
import {
  ChargePointActor,
  type ChargePointActor as Actor,
  CLOSE_CODES,
  type StationSocket,
} from "./charge_point.ts";
import type { ChargePointRecord } from "../store/store.ts";
import type { ActorDeps } from "./context.ts";
import { NotConnectedError } from "./errors.ts";
import type { FrameLogEntry } from "./frame_log.ts";

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
   * Spawns the actor of a freshly opened socket. A second connection with the same id REPLACES the first:
   * the old socket is closed with 4000, and the new actor loads its snapshot only after the old one stopped.
   */
  spawn(id: string, socket: StationSocket, remoteAddress: string): ChargePointActor {
    const previous = this.#actors.get(id);
    const actor = new ChargePointActor(id, remoteAddress, socket, this.deps, {
      // A late close of a replaced actor must never evict its successor.
      onStopped: (stopped) => {
        if (this.#actors.get(id) === stopped) this.#actors.delete(id);
      },
    });
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
   * Changes a station's snapshot on an operator's behalf: through its actor when connected (nothing else
   * touches a live station's state), else read-modify-write in the store, which a station connecting
   * meanwhile waits for. `mutate` gets null for a station the store does not know.
   */
  async updateSnapshot(
    id: string,
    mutate: (record: ChargePointRecord | null) => ChargePointRecord,
  ): Promise<{ record: ChargePointRecord; created: boolean }> {
    const actor = this.#actors.get(id);
    if (actor && !actor.isStopping) {
      return { record: await actor.updateSnapshot((r) => mutate(r)), created: false };
    }
    const previous = this.#offlineWrites.get(id);
    const write = (async () => {
      await previous?.catch(() => {});
      await actor?.stopped;
      const existing = await this.deps.store.getChargePoint(id);
      const record = mutate(existing);
      await this.deps.store.putChargePoint(record);
      return { record, created: existing === null };
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
   * The single way to send a CS->CP command. Rejects with NotConnectedError, CallTimeoutError,
   * CallErrorResponse, InvalidResponseError, CommandRefusedError (unless `force`), or OcppError for an action
   * we never send.
   */
  call(id: string, action: string, payload: unknown, options: { force?: boolean } = {}): Promise<unknown> {
    if (!isCsToCpAction(action)) {
      return Promise.reject(
        new OcppError("NotSupported", `Action "${action}" is not sent by a Central System`),
      );
    }
    const actor = this.#actors.get(id);
    if (!actor || actor.isStopping) return Promise.reject(new NotConnectedError(id, action));
    return actor.call(action, payload, options);
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
