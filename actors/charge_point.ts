/**
 * The actor of one connected charge point. It owns the socket, the correlation of our CALLs, and the
 * station's snapshot; every frame, command and close goes through its mailbox, one at a time.
 */
import {
  isCpToCsAction,
  isCsToCpAction,
  isKnownAction,
  validateRequest,
  validateResponse,
} from "../protocol/ocpp16/mod.ts";
import { OcppError } from "../protocol/ocppj/errors.ts";
import { findNul, replaceNul } from "../protocol/ocppj/nul.ts";
import {
  CALL,
  CALLERROR,
  type CallErrorFrame,
  type CallFrame,
  type CallResultFrame,
  decodeFrame,
  type DecodeResult,
  encodeCallError,
  encodeCallResult,
} from "../protocol/ocppj/frames.ts";
import type { Logger } from "../logger.ts";
import { type ChargePointRecord, emptyRecord, type StatusHistoryEntry } from "../store/store.ts";
import type { ActorDeps, HandlerContext } from "./context.ts";
import { applyCommandEffect } from "./command_effects.ts";
import { refuseCommand } from "./command_guard.ts";
import { CallErrorResponse, CommandRefusedError, InvalidResponseError, NotConnectedError } from "./errors.ts";
import { type Handler, HANDLERS } from "./handlers/mod.ts";
import { Mailbox } from "./mailbox.ts";
import { OutgoingCalls } from "./outgoing_calls.ts";

/** The part of a WebSocket the actor uses; a fake in unit tests. */
export interface StationSocket {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** Close codes we send (RFC 6455 §7.4 and our own 4xxx). Documented in the README. */
export const CLOSE_CODES = {
  /** Too many bad frames. */
  protocolError: 1002,
  /** Binary frames are not part of OCPP-J. */
  unsupportedData: 1003,
  /** A frame above MAX_FRAME_BYTES. */
  messageTooBig: 1009,
  /** The store could not load the station. */
  internalError: 1011,
  /** Server shutting down. */
  goingAway: 1001,
  /** A newer connection with the same charge point id took over. */
  replaced: 4000,
  /** An operator disconnected the station. */
  stoppedByOperator: 4001,
  /** The station's security settings changed: it must pass the new check to come back. */
  securityChanged: 4002,
} as const;

const OPEN = 1;

/** Transaction messages: stored with U+0000 replaced rather than refused (see ChargePointActor#withoutNul). */
const NUL_REPLACED_ACTIONS: ReadonlySet<string> = new Set([
  "StartTransaction",
  "StopTransaction",
  "MeterValues",
]);

type Message =
  | { type: "started"; predecessor: Promise<void> | undefined }
  | { type: "frameReceived"; result: DecodeResult; receivedAt: Date }
  | { type: "stop"; code: number; reason: string }
  | {
    type: "updateSnapshot";
    mutate: SnapshotMutation;
    resolve: (record: ChargePointRecord) => void;
    reject: (error: unknown) => void;
  };

/** An operator's change to a station's snapshot (e.g. its registration status), applied by its owner. */
export type SnapshotMutation = (record: ChargePointRecord) => ChargePointRecord;

export interface ActorHooks {
  /** Called once, when the actor has fully stopped. */
  onStopped(actor: ChargePointActor): void;
}

export class ChargePointActor {
  readonly connectedAt: Date;
  readonly log: Logger;
  #record: ChargePointRecord | null = null;
  /**
   * Whether the store holds this station (null until loaded). Nothing is stored for an id before its
   * BootNotification (or an operator's registration): anyone can open a socket with any id.
   */
  #stored: boolean | null = null;
  /**
   * True when the last save of the snapshot failed. Every change is saved when it happens, so otherwise the
   * store already holds the snapshot but for lastSeen, and a close only touches (batched by the store).
   */
  #unsaved = false;
  #badFrames = 0;
  /** Ids of incoming CALLs received and not yet answered (a reused one gets ProtocolError). */
  #openCallIds = new Set<string>();
  #stopping = false;
  #stopped = false;
  #mailbox: Mailbox<Message>;
  #calls: OutgoingCalls;
  readonly stopped: Promise<void>;
  #resolveStopped!: () => void;

  constructor(
    readonly id: string,
    readonly remoteAddress: string,
    private readonly socket: StationSocket,
    private readonly deps: ActorDeps,
    private readonly hooks: ActorHooks,
  ) {
    this.connectedAt = deps.now();
    this.log = deps.logger.with({ chargePointId: id });
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#mailbox = new Mailbox((m) => this.#receive(m), (error) => this.#crashed(error));
    this.#calls = new OutgoingCalls({
      chargePointId: id,
      send: (text) => this.#send(text),
      newMessageId: deps.newMessageId,
      timeoutMs: deps.settings.callTimeoutMs,
      now: () => deps.now().getTime(),
    });
  }

  /** Loads the snapshot (after `predecessor`, a replaced actor, has fully stopped) before any frame. */
  start(predecessor?: Promise<void>): void {
    this.#mailbox.post({ type: "started", predecessor });
  }

  /** A text frame arrived. Decoding happens here so a reused CALL id is caught on arrival. */
  frameReceived(text: string): void {
    if (this.#stopping) return;
    if (tooBig(text, this.deps.settings.maxFrameBytes)) {
      // Not the frame itself: even a cut of it would keep the whole frame in memory.
      this.deps.frames.record(
        this.id,
        "in",
        `[frame of ${text.length} characters dropped: too big]`,
        this.deps.now(),
      );
      this.log.warn("bad frame", { reason: "frame too big", length: text.length });
      this.close(CLOSE_CODES.messageTooBig, "Frame too big");
      return;
    }
    this.deps.frames.record(this.id, "in", text, this.deps.now());
    const result = decodeFrame(text);
    if (result.kind === "frame" && result.frame.type === CALL) {
      const { messageId } = result.frame;
      if (this.#openCallIds.has(messageId)) {
        this.log.warn("bad frame", { reason: "reused message id", messageId });
        this.#send(encodeCallError(messageId, "ProtocolError", `MessageId "${messageId}" is already in use`));
        return;
      }
      this.#openCallIds.add(messageId);
    }
    this.#mailbox.post({ type: "frameReceived", result, receivedAt: this.deps.now() });
  }

  binaryReceived(): void {
    if (this.#stopping) return;
    this.log.warn("bad frame", { reason: "binary frame" });
    this.close(CLOSE_CODES.unsupportedData, "Binary frames are not supported");
  }

  /** The socket closed (from either side). */
  socketClosed(code: number, reason: string): void {
    this.#beginStop(code, reason);
  }

  /** Closes the socket and stops the actor without waiting for the peer's close handshake. */
  close(code: number, reason: string): void {
    try {
      this.socket.close(code, reason);
    } catch {
      // Already closed.
    }
    this.#beginStop(code, reason);
  }

  /**
   * Sends a CS->CP CALL; resolves with the validated CALLRESULT payload. Unless `force`, a command the
   * connector state makes pointless is refused with CommandRefusedError.
   */
  call(action: string, payload: unknown, options: { force?: boolean } = {}): Promise<unknown> {
    if (this.#stopping) return Promise.reject(new NotConnectedError(this.id, action));
    if (!options.force && isCsToCpAction(action)) {
      const reason = refuseCommand(this.#record, action, payload);
      if (reason) return Promise.reject(new CommandRefusedError(this.id, action, reason));
    }
    return this.#calls.enqueue(action, payload);
  }

  /** Applies an operator's change inside the mailbox, so it cannot race the station's own messages. */
  updateSnapshot(mutate: SnapshotMutation): Promise<ChargePointRecord> {
    return new Promise((resolve, reject) =>
      this.#mailbox.post({ type: "updateSnapshot", mutate, resolve, reject })
    );
  }

  /** Driven by the registry's shared timer. */
  sweep(nowMs: number): void {
    this.#calls.expire(nowMs);
  }

  /** A read-only view for the registry and the API. */
  get snapshot(): Readonly<ChargePointRecord> | null {
    return this.#record;
  }

  get pendingCall(): { action: string | null; queued: number } {
    return { action: this.#calls.inFlightAction, queued: this.#calls.queued };
  }

  get isStopping(): boolean {
    return this.#stopping;
  }

  /** Whether the store holds this station; null until its snapshot is loaded. */
  get isStored(): boolean | null {
    return this.#stored;
  }

  #beginStop(code: number, reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#calls.rejectAll((action) => new NotConnectedError(this.id, action, "connection closed"));
    this.#mailbox.post({ type: "stop", code, reason });
  }

  async #receive(message: Message): Promise<void> {
    switch (message.type) {
      case "started":
        return await this.#load(message.predecessor);
      case "frameReceived":
        if (this.#stopping || !this.#record) return;
        return await this.#handleFrame(message.result, message.receivedAt);
      case "stop":
        return await this.#stop(message.code, message.reason);
      case "updateSnapshot":
        return await this.#updateSnapshot(message);
    }
  }

  async #load(predecessor: Promise<void> | undefined): Promise<void> {
    if (predecessor) await predecessor;
    if (this.#stopping) return;
    const now = this.deps.now();
    try {
      const stored = await this.deps.store.getChargePoint(this.id);
      const record = stored ?? emptyRecord(this.id, now);
      record.lastSeen = now.toISOString();
      this.#record = record;
      // A new station is stored when it boots; until then the registry lists it as connected. A known one
      // keeps its stored snapshot until it changes (online is the registry's to say, and lastSeen is written
      // by Heartbeat and on close).
      this.#stored = stored !== null;
    } catch (error) {
      this.log.error("cannot load station", { error: String(error) });
      this.#record = null;
      this.close(CLOSE_CODES.internalError, "Storage unavailable");
      return;
    }
    this.deps.events.publish({
      type: "connected",
      chargePointId: this.id,
      at: now.toISOString(),
      remoteAddress: this.remoteAddress,
    });
  }

  async #updateSnapshot(message: Extract<Message, { type: "updateSnapshot" }>): Promise<void> {
    if (!this.#record) return message.reject(new NotConnectedError(this.id, "updateSnapshot", "not loaded"));
    try {
      const record = message.mutate(structuredClone(this.#record));
      this.#record = record;
      await this.#save();
      message.resolve(record);
    } catch (error) {
      message.reject(error);
    }
  }

  async #stop(code: number, reason: string): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const at = this.deps.now();
    if (this.#record) {
      this.#record.lastSeen = at.toISOString();
      try {
        // Unstored: written only if it booted meanwhile and that write failed (#save decides).
        // On a shutdown every station closes at once: the touches of unchanged ones become a few commits.
        if (!this.#stored || this.#unsaved) await this.#save();
        else await this.deps.store.touchChargePoint(this.id, this.#record.lastSeen);
      } catch (error) {
        this.log.warn("cannot save snapshot on close", { error: String(error) });
      }
      this.deps.events.publish({
        type: "disconnected",
        chargePointId: this.id,
        at: at.toISOString(),
        code,
        reason,
      });
    }
    this.log.info("connection closed", { remoteAddress: this.remoteAddress, code, reason });
    this.hooks.onStopped(this);
    this.#resolveStopped();
  }

  async #handleFrame(result: DecodeResult, receivedAt: Date): Promise<void> {
    if (result.kind === "ignored") {
      this.log.warn("bad frame", { reason: result.reason, ignored: true });
      return this.#countBadFrame();
    }
    if (result.kind === "invalid") {
      this.log.warn("bad frame", {
        reason: result.description,
        code: result.code,
        messageId: result.messageId,
      });
      if (result.answerable) {
        // OCPP-J has no id to answer an unreadable CALL with; "-1" follows the convention of OCPP 2.0.1.
        this.#send(encodeCallError(result.messageId ?? "-1", result.code, result.description));
      }
      return this.#countBadFrame();
    }
    const frame = result.frame;
    if (frame.type === CALL) return await this.#handleCall(frame, receivedAt);
    return await this.#handleResponse(frame, receivedAt);
  }

  #countBadFrame(): void {
    this.#badFrames++;
    if (this.#badFrames >= this.deps.settings.maxBadFrames) {
      this.log.warn("closing after too many bad frames", { badFrames: this.#badFrames });
      this.close(CLOSE_CODES.protocolError, "Too many bad frames");
    }
  }

  async #handleCall(frame: CallFrame, receivedAt: Date): Promise<void> {
    const { messageId, action } = frame;
    const started = performance.now();
    let outcome = "accepted";
    try {
      const response = await this.#dispatch(frame, receivedAt);
      this.#send(encodeCallResult(messageId, response));
    } catch (error) {
      if (error instanceof OcppError) {
        outcome = error.code;
        this.log.warn("call refused", { action, messageId, code: error.code, reason: error.message });
        this.#send(encodeCallError(messageId, error.code, error.message, error.details));
      } else {
        outcome = "InternalError";
        // Never leak internals to a station: the details stay in our log.
        this.log.error("call failed", { action, messageId, error: String(error) });
        this.#send(encodeCallError(messageId, "InternalError", `Could not process "${action}", retry later`));
      }
    } finally {
      this.#openCallIds.delete(messageId);
      this.deps.metrics?.callHandled(action, outcome, (performance.now() - started) / 1000);
    }
  }

  async #dispatch(frame: CallFrame, receivedAt: Date): Promise<unknown> {
    const { action } = frame;
    if (!isKnownAction(action)) {
      throw new OcppError("NotImplemented", `Action "${action}" is not implemented`);
    }
    if (!isCpToCsAction(action)) {
      throw new OcppError("NotSupported", `Action "${action}" is sent by the Central System, not to it`);
    }
    const validated = validateRequest(action, frame.payload);
    if (!validated.ok) throw new OcppError(validated.code, validated.description, validated.details);
    const request = this.#withoutNul(action, validated.value);
    const record = this.#record as ChargePointRecord;
    // OCPP 1.6 §4.2.1: until Accepted, a station may only send BootNotification.
    if (action !== "BootNotification" && record.registrationStatus !== "Accepted") {
      const status = record.registrationStatus ?? "not registered";
      throw new OcppError(
        "SecurityError",
        `Station "${this.id}" is ${status}: send BootNotification and wait until Accepted`,
      );
    }
    record.lastSeen = receivedAt.toISOString();
    const handler = HANDLERS[action] as Handler<typeof action>;
    return await handler(this.#context(receivedAt), request as never);
  }

  /**
   * One rule for both stores (PostgreSQL cannot store U+0000): transaction messages keep every reading, with
   * NUL replaced by U+FFFD, and are answered as usual, so no transaction is lost and the station has nothing
   * to retry; any other CALL with a NUL is refused with PropertyConstraintViolation, which a station does not
   * retry the way it retries InternalError.
   */
  #withoutNul(action: string, request: unknown): unknown {
    const field = findNul(request);
    if (field === null) return request;
    if (!NUL_REPLACED_ACTIONS.has(action)) {
      throw new OcppError(
        "PropertyConstraintViolation",
        `Field "${field}" contains the character U+0000 (NUL), which is not accepted`,
        { field, constraint: "no NUL" },
      );
    }
    this.log.warn("NUL characters replaced", { action, field });
    return replaceNul(request);
  }

  async #handleResponse(frame: CallResultFrame | CallErrorFrame, receivedAt: Date): Promise<void> {
    const call = this.#calls.settle(frame.messageId);
    if (!call) {
      this.log.warn("response to unknown message id dropped", { messageId: frame.messageId });
      return;
    }
    if (frame.type === CALLERROR) {
      // What a station answers may be logged and stored: no NUL (see #withoutNul).
      const { errorCode, errorDescription, errorDetails } = replaceNul(frame);
      call.reject(new CallErrorResponse(this.id, call.action, errorCode, errorDescription, errorDetails));
      return;
    }
    const payload = replaceNul(frame.payload);
    if (!isKnownAction(call.action)) return call.resolve(payload);
    const validated = validateResponse(call.action, payload);
    if (!validated.ok) {
      call.reject(new InvalidResponseError(this.id, call.action, validated.description));
      return;
    }
    const record = this.#record;
    if (record && isCsToCpAction(call.action)) {
      const at = receivedAt.toISOString();
      if (applyCommandEffect(record, call.action, call.payload, validated.value, at)) {
        try {
          await this.#save();
        } catch (error) {
          this.log.warn("cannot save what a command answer taught", {
            action: call.action,
            error: String(error),
          });
        }
      }
    }
    call.resolve(validated.value);
  }

  #context(receivedAt: Date): HandlerContext {
    const getRecord = () => this.#record as ChargePointRecord;
    const setRecord = (value: ChargePointRecord) => (this.#record = value);
    return {
      chargePointId: this.id,
      deps: this.deps,
      log: this.log,
      receivedAt,
      get record() {
        return getRecord();
      },
      set record(value) {
        setRecord(value);
      },
      save: (status) => this.#save(status),
    };
  }

  /** Writes the whole snapshot; with `status`, in one commit with that status history entry. */
  async #save(status?: StatusHistoryEntry): Promise<void> {
    const record = this.#record;
    if (!record) return;
    // Not before it boots (or an operator registers it): an unknown id costs the store nothing.
    if (!this.#stored && record.registrationStatus === null) return;
    record.updatedAt = this.deps.now().toISOString();
    try {
      if (status) await this.deps.store.recordStatus(status, record);
      else await this.deps.store.putChargePoint(record);
      this.#unsaved = false;
      this.#stored = true;
    } catch (error) {
      this.#unsaved = true;
      throw error;
    }
  }

  #send(text: string): void {
    if (this.socket.readyState !== OPEN) {
      this.log.debug("frame not sent: socket not open", { length: text.length });
      return;
    }
    this.deps.frames.record(this.id, "out", text, this.deps.now());
    this.socket.send(text);
  }

  #crashed(error: unknown): void {
    // A crash becomes a log line and a closed connection, never a dead process.
    this.log.error("actor crashed", { error: String(error) });
    this.close(CLOSE_CODES.internalError, "Internal error");
  }
}

function tooBig(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only count bytes when it could matter.
  return text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes;
}
