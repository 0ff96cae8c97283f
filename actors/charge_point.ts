/**
 * The actor of one connected charge point: the shell around the pure handlers. It owns the socket, the
 * correlation of our CALLs and the station's snapshot; every frame, command, command answer, timeout sweep,
 * operator change and close goes through its mailbox, one at a time.
 *
 * A station's CALL: decode -> validate -> registration gate -> handler (pure) -> ONE `store.commit` of its
 * changes (with lastSeen when due; nothing to write, no store call) -> patch the snapshot in memory -> publish events, write log lines -> answer. A
 * commit that reports a conflict (a concurrent writer got there first) runs the handler again on fresh
 * lookups, a few times at most; a commit that fails answers InternalError. Nothing is acknowledged that is not
 * stored.
 */
import type { Logger } from "../logger.ts";
import {
  actorFields,
  applyPatch,
  type ChargePointRecord,
  emptyRecord,
  type LiveRecord,
  type Reservation,
  type SnapshotPatch,
  type StationDetails,
  unexpiredReservations,
  withDetails,
  withoutDetails,
} from "../model/charge_point.ts";
import { type CommitResult, isEmpty, type StationChanges, type WriterConnection } from "../model/changes.ts";
import { storedWriterOf, writerAfter } from "../model/newest_connection.ts";
import { acceptedProfileId } from "../model/accepted_profile.ts";
import { heldReservations, releasedReservations } from "../model/reservation_hold.ts";
import type { SecurityProfile } from "../store/station_security.ts";
import { StoreUnavailableError } from "../store/mod.ts";
import type { CommandLogEntry, LateAnswer } from "../model/command_log.ts";
import { isSnapshotChange, patchFor, type SnapshotChange } from "../model/snapshot_change.ts";
import { hasAction, wireErrorCode } from "../protocol/ocppj/dialect.ts";
import { OcppError, type OcppErrorCode } from "../protocol/ocppj/errors.ts";
import { BAD_TEXT, findBadText, mayHoldBadText, replaceBadText } from "../protocol/ocppj/bad_text.ts";
import { redactSecrets } from "../protocol/ocppj/secret_values.ts";
import {
  answerMessageId,
  CALL,
  callAction,
  CALLERROR,
  type CallErrorFrame,
  type CallFrame,
  type CallResultFrame,
  decodeFrame,
  type DecodeResult,
  encodeCallError,
  encodeCallResult,
  ignoredMessageId,
} from "../protocol/ocppj/frames.ts";
import { isoString } from "../protocol/ocppj/time.ts";
import { validateMessage } from "../protocol/ocppj/validate.ts";
import {
  ACCEPTED_STATIONS_ONLY,
  type AnyCommand,
  type PresentedTag,
  type Refusal,
} from "./commands/command.ts";
import { reservedForAnother } from "./commands/reservation_guards.ts";
import { judgeIdTag } from "../model/id_tag.ts";
import type { ActorDeps, AnsweredCommand } from "./deps.ts";
import type { ActorDialect } from "./dialect.ts";
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  CommandNotLoggedError,
  CommandNotSentError,
  CommandRefusedError,
  InvalidResponseError,
  loggedCommandOutcome,
  NotConnectedError,
  SendMarkError,
  UnheldTimeoutError,
} from "./errors.ts";
import { committedEvent, type StationEvent } from "./events.ts";
import type { SendMark } from "./send_marks.ts";
import type {
  AnyHandler,
  FollowUp,
  HandlerContext,
  HandlerResult,
  HandlerSecurityEvent,
} from "./handlers/handler.ts";
import { Mailbox } from "./mailbox.ts";
import { BadFrames } from "./bad_frames.ts";
import { NoisyLines } from "./noisy_lines.ts";
import {
  type ProtocolErrors,
  type ProtocolErrorsClear,
  protocolErrorsClear,
  withProtocolError,
} from "../model/protocol_errors.ts";
import {
  epochAfterWrite,
  type ProtocolErrorsBase,
  protocolErrorsEpochOf,
  withoutFirst,
} from "../model/protocol_errors_base.ts";
import { OpenCallIds } from "./open_call_ids.ts";
import { OutgoingCalls } from "./outgoing_calls.ts";
import { UnsettledOutcomes } from "./unsettled_outcomes.ts";

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
  /** The station kept flooding past its message rate (policy violation). */
  flooding: 1008,
  /** A frame above MAX_FRAME_BYTES (MAX_TRANSACTION_FRAME_BYTES for transaction data). */
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
  /** An operator decommissioned the station: closed now, and at once whenever it connects again. */
  decommissioned: 4003,
} as const;

const OPEN = 1;

/** A decommissioned station's refused connections are reported once per this window (`ShutOut`). */
export const DECOMMISSIONED_REPORT_MS = 10 * 60_000;

/** Commits in a row whose unsaved fields the store refuses, while it takes the rest, before they are dropped. */
const HELD_REFUSALS_BEFORE_DROP = 3;

/** How often lastSeen alone is written at most, per station (LAST_SEEN_INTERVAL_S). */
export const DEFAULT_LAST_SEEN_INTERVAL_MS = 5_000;

/** How often a station's protocol errors are written by a commit of their own at most (else they ride along). */
export const PROTOCOL_ERRORS_WRITE_INTERVAL_MS = 60_000;

/** What a commit that had nothing to write reports. */
const NOTHING_WRITTEN: CommitResult = { ok: true, meterValuesAdded: 0 };

/** How often one CALL is decided again after its commit met a concurrent writer. */
const MAX_DECISIONS = 3;
/** How many reservation ids the station said it ended or used an actor remembers (`#endedByStation`). */
const ENDED_BY_STATION_KEPT = 16;

/** The response of a command not sent because its `sending` row could not be written. */
const NOT_LOGGED_REASON = "not sent: its command log row could not be written";
/** How often the outcomes of commands whose write failed are written again (by the registry's sweep). */
const UNSETTLED_RETRY_MS = 5_000;

/** How long a station that is not Accepted may send a message we asked for with an accepted trigger. */
export const TRIGGERED_WINDOW_MS = 60_000;

/** An operator's command on its way through the mailbox, and how to answer the operator. */
interface Command {
  action: string;
  payload: unknown;
  force: boolean;
  requestedBy: string;
  requestedAt: string;
  log: boolean;
  /** Marked sent as the CALL leaves the queue, before it goes (a job's task). */
  sendMark?: SendMark;
  /** The id of its command log row: written `sending` before the CALL may leave, settled by that id. */
  logId: string;
  /** Its row as its timeout settled it: a late answer is written onto that (`#handleLateResponse`). */
  timedOut?: CommandLogEntry;
  /** Its `sending` row is stored (it went out): an outcome whose write failed settles a row the log holds. */
  sendingStored?: true;
  /**
   * The reservation a timed-out ReserveNow wrote into the snapshot (`model/reservation_hold.ts`): the snapshot
   * holds it from then on, this is what a late refusal takes out of it.
   */
  heldInSnapshot?: Reservation;
  /**
   * The reservation a ReserveNow would make, from the turn it was sent (`Command.holds`): its `requestedAt`
   * tells whether the station said since that it no longer holds that id (`#endedByStationSince`).
   */
  hold?: Reservation;
  /** Its answer, timely or late (`"late"`: only late), goes to `deps.commandAnswered` (`CallOptions.answerEffects`). */
  answerEffects: boolean | "late";
  /** What its caller's records held when it asked (`CallOptions.recordsAsked`). */
  recordsAsked?: Readonly<Record<string, string>>;
  resolve: (response: unknown) => void;
  reject: (error: Error) => void;
}

type Message =
  | { type: "started"; predecessor: Promise<void> | undefined }
  | {
    type: "frameReceived";
    result: DecodeResult;
    receivedAt: Date;
    mayHaveBadText: boolean;
    ignoredId?: string | undefined;
    /** Past maxFrameBytes, let through before the snapshot said whether the station is Accepted. */
    long?: boolean;
  }
  | { type: "sendCommand"; command: Command }
  | { type: "commandFinished"; command: Command; outcome: { response: unknown } | { error: Error } }
  | { type: "sweep"; nowMs: number }
  | {
    type: "updateSnapshot";
    patch: SnapshotUpdate;
    /** `before`: the snapshot the change was computed from (unwritten protocol errors included). */
    resolve: (record: LiveRecord, before: LiveRecord) => void;
    reject: (error: unknown) => void;
  }
  | { type: "stop"; code: number; reason: string }
  | { type: "stopped" };

/** An operator's change of a snapshot: the patch, or a named change computed from the snapshot it changes. */
export type SnapshotUpdate = SnapshotPatch | SnapshotChange;

export interface ActorHooks {
  /** Called once, when the actor has fully stopped. */
  onStopped(actor: ChargePointActor): void;
  /**
   * A change the station made that this actor could not write, its connection replaced by a newer one (a
   * ReserveNow it accepted on this one): for the station's current connection, wherever it is, once this
   * actor has stopped. Absent: dropped.
   */
  onReplacedChange?(change: SnapshotChange): void;
}

export interface CallOptions {
  /** Send even when the guard says the state makes the command pointless. */
  force?: boolean;
  /** Who asked, for the command log. */
  requestedBy?: string;
  /**
   * false: the caller writes the command log entry itself (the charging profile service, which logs every
   * command it sends with what it learned); default true.
   */
  log?: boolean;
  /**
   * Mark it sent (`deps.sendMarks`) as it leaves the station's queue, before the CALL goes; a mark refused or
   * failed: rejected with SendMarkError, never sent. Plain data: it travels with a cluster request.
   */
  sendMark?: SendMark;
  /**
   * The id of the command's log row, chosen by whoever may have to settle it: the node that routed it here
   * settles that same row should this node be lost (NodeLostError). Default: a new id.
   */
  logId?: string;
  /**
   * Its answer also counts beyond the station's record (`deps.commandAnswered`: stored charging profiles, the
   * managed local list), timely or late, told by the node holding the station. `"late"`: only a late answer,
   * for a caller that records a timely one itself (load management's own profiles: its caller heard of the
   * timeout, so the record learns what the station did from here). Plain data: it travels with a cluster request.
   */
  answerEffects?: boolean | "late";
  /**
   * What the caller's own records held when it asked, as versions by name (e.g. a stored profile's
   * `updatedAt` by its id), given back with its answer (`AnsweredCommand.recordsAsked`): a late answer is judged
   * by whether they changed since, never by comparing this node's clock with the clock of the node that wrote
   * them (nodes' clocks differ). Plain data: it travels with a cluster request.
   */
  recordsAsked?: Readonly<Record<string, string>>;
}

export class ChargePointActor {
  readonly connectedAt: Date;
  readonly log: Logger;
  #record: LiveRecord & Partial<StationDetails> | null = null;
  /**
   * Whether `#record` holds the station's details (configuration, charging reports): only while they are
   * needed or not yet stored (a station never stored; a failed commit that carried them). Else the store has
   * them and the actor does not hold them: a full configuration would double a connected station's footprint.
   */
  #detailsHeld = false;
  /**
   * Whether the store holds this station (null until loaded). Nothing is stored for an id before its
   * BootNotification (or an operator's registration): anyone can open a socket with any id.
   */
  #stored: boolean | null = null;
  /**
   * True when a commit failed after the station reported something about itself: the store may lack the
   * actor's fields, and the next commit carries them.
   */
  #unsaved = false;
  /** Commits in a row that stored a CALL's changes without the unsaved fields, which the store refused. */
  #heldRefusals = 0;
  /** What the load changed in the record (the OCPP version, expired reservations): written with the next commit. */
  #loadPatch: SnapshotPatch | null = null;
  /** The bad frames still counted towards MAX_BAD_FRAMES (leaking with time); made at the first one. */
  #badFrames: BadFrames | null = null;
  /**
   * The station's protocol errors counted since its record's were last written (null: none new): written
   * with its next commit, or by a commit of their own at most every PROTOCOL_ERRORS_WRITE_INTERVAL_MS, so a
   * station cannot make us write at will by sending bad frames.
   */
  #protocolErrorsUnwritten: ProtocolErrors | null = null;
  /**
   * The record's protocol errors clear epoch this actor counts from and how many errors the record held at it
   * (as loaded, then as last written): sent with each write of protocol errors, so a clear made meanwhile
   * elsewhere (another node's, before it saw this connection) is not undone (`model/protocol_errors_base.ts`).
   */
  #protocolErrorsBase: ProtocolErrorsBase = { epoch: 0, count: 0 };
  /**
   * When the station's protocol errors were last written, on this process's own clock (`#elapsedMs`): another
   * node's stamp (its clock maybe ahead of ours) must not stretch the interval.
   */
  #protocolErrorsWrittenMs = -Infinity;
  /** When the lastSeen last written to the store was (ms; -Infinity: not yet on this connection). */
  #lastSeenStoredMs = -Infinity;
  /**
   * The station's newest lastSeen when it is newer than the snapshot's: patched into the snapshot only when the
   * snapshot is read or written (`#current()`), not with a copy of the whole record per CALL. A time in ms (NaN:
   * none), not the ISO string: a number field is updated in place, while a new string per CALL held by this
   * long-lived actor would be copied and promoted by the collector.
   */
  #seenMs = Number.NaN;
  /** Ids of incoming CALLs received and not yet answered (a CALL reusing one is dropped unanswered). */
  #openCallIds = new OpenCallIds();
  /**
   * ReserveNow commands sent and not yet answered, with the reservation each would make (see `Command.holds`);
   * made at the first (no Map per idle station). A timed-out one stays only while the snapshot does not hold
   * its reservation (its write failed, or the snapshot has another reservation of that id): once written
   * there, the snapshot alone holds it, so memory never outlives or overrides what the snapshot says.
   */
  #reservationsInFlight: Map<Command, Reservation> | null = null;
  /**
   * Reservation ids the station said on this connection it no longer holds (OCPP 2.0.1 ReservationStatusUpdate, a
   * 1.6 start that used it: `HandlerResult.reservationsEnded`), with when (ISO): a ReserveNow of that id sent
   * before then makes nothing when its Accepted comes after, and
   * the ledger's hold of it is not read back while the ledger ends it. The last few only; made at the first.
   */
  #endedByStation: Map<number, string> | null = null;
  /** The id of the call in flight whose answer passed the rate limit (`answersCallInFlight`). */
  #answerPassed: string | null = null;
  /** Whether the station was Accepted at some CALL of this connection (see `#admitted`). */
  #acceptedHere = false;
  /**
   * The chargingProfileIds the station accepted on this connection since its last (not triggered) boot here,
   * in the order of its own frames: what a restore after that boot need not send again. Null before a boot.
   */
  #profilesSinceBoot: Set<number> | null = null;
  /** Actions we asked the station for (an accepted TriggerMessage), until when (ms): few and short-lived. */
  #triggered: Map<string, number> | null = null;
  /**
   * `triggeredOnce` actions the station sent for the command in flight before answering it (its payload):
   * the trigger is used up, so its answer does not open the window for them again.
   */
  #usedBeforeAnswer: { payload: unknown; actions: Set<string> } | null = null;
  /**
   * Outcomes of commands whose write failed: their rows would stay `sending` while this process lives (only a
   * lost node's are swept), so the sweep writes them again, every UNSETTLED_RETRY_MS, and the close once more.
   * Bounded (`UnsettledOutcomes`): a long outage drops the newest refusals first, logged at the first and
   * counted when the store takes a write again or the actor stops.
   */
  #unsettled = new UnsettledOutcomes();
  /**
   * The last answer told to `deps.commandAnswered` while it is under way: the next waits for it
   * (`#tellAnswered`); null when none is (no promise held per idle station).
   */
  #answersTold: Promise<void> | null = null;
  #unsettledRetryAtMs = 0;
  #stopping = false;
  #stopped = false;
  /** The station's own bad frames and stray answers: logged a few at a time (`NoisyLines`; made at the first). */
  #noisy: NoisyLines | null = null;
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
    readonly dialect: ActorDialect,
    /** How this connection was authenticated (see HandlerContext.securityProfile); 0: not at all. */
    readonly securityProfile: SecurityProfile = 0,
    /** Its start as the cluster orders it (`startAfter`); default: now. */
    connectedAt?: Date,
  ) {
    this.connectedAt = connectedAt ?? deps.now();
    this.log = deps.logger.with({ chargePointId: id });
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#mailbox = new Mailbox((m) => this.#receive(m), (error, m) => this.#crashed(error, m));
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
    const long = tooBig(text, this.deps.settings.maxFrameBytes);
    if (long && !this.#mayTakeLong(text)) {
      // Not the frame itself: even a cut of it would keep the whole frame in memory.
      this.deps.frames.record(
        this.id,
        "in",
        `[frame of ${text.length} characters dropped: too big]`,
        this.deps.now(),
      );
      this.#warnNoisy("bad frame", { reason: "frame too big", length: text.length });
      this.#noteProtocolError(`Frame of ${text.length} characters is too big: connection closed`);
      this.close(CLOSE_CODES.messageTooBig, "Frame too big");
      return;
    }
    const receivedAt = this.deps.now();
    this.deps.frames.record(this.id, "in", text, receivedAt);
    const result = decodeFrame(text);
    if (result.kind === "frame" && result.frame.type === CALL) {
      const { messageId } = result.frame;
      if (this.#openCallIds.has(messageId)) return this.droppedCopy(messageId);
      this.#openCallIds.add(messageId);
    }
    const mayHaveBadText = mayHoldBadText(text);
    // A dialect that answers an unknown MessageTypeId (2.0.1) answers it by the frame's own id.
    const ignoredId =
      result.kind === "ignored" && this.dialect.protocol.unknownMessageType === "MessageTypeNotSupported"
        ? ignoredMessageId(text)
        : undefined;
    this.#mailbox.post({ type: "frameReceived", result, receivedAt, mayHaveBadText, ignoredId, long });
  }

  /**
   * A CALL with the id of one not answered yet (still open here, or held by the message rate for its token):
   * OCPP-J 1.6 §4.1.3 makes a message id unique per sender, so it is a copy (a station's retry). Dropped, not
   * answered: a CALLERROR by that id would be taken as the answer to the first, which then gets its real
   * answer too (ocpp-rpc as a server answers both; deliberately not followed).
   */
  droppedCopy(messageId: string): void {
    this.#warnNoisy("bad frame", { reason: "reused message id of an unanswered CALL, dropped", messageId });
    this.#noteProtocolError("Reused the message id of a CALL not answered yet: dropped unanswered");
  }

  /**
   * Whether a frame over maxFrameBytes is transaction data within its own, higher limit, from an Accepted
   * station that waited for its previous answer: one such frame at a time, from a station we serve.
   */
  #mayTakeLong(text: string): boolean {
    const max = this.deps.settings.maxTransactionFrameBytes ?? 0;
    if (tooBig(text, max) || this.#openCallIds.size > 0) return false;
    // Before the snapshot is loaded (a station that reconnects and replays its stop first), the mailbox
    // decides, once it is (`#servesLong`).
    if (this.#record !== null && !this.#servesLong()) return false;
    const action = callAction(text);
    return action !== null && this.dialect.transactionMessages.has(action);
  }

  /** Whether the station may send frames past maxFrameBytes: it is, or was on this connection, Accepted. */
  #servesLong(): boolean {
    return this.#acceptedHere || this.#record?.registrationStatus === "Accepted";
  }

  /**
   * A CALL over the station's message rate: answered GenericError by the id read from its start, without
   * decoding and without the mailbox (a flood must cost us as little as possible).
   */
  refuseOverRate(messageId: string | null): void {
    if (this.#stopping || messageId === null) return;
    // A copy of a CALL still open: dropped like any copy, not answered by its id.
    if (this.#openCallIds.has(messageId)) return this.droppedCopy(messageId);
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(this.#callError(messageId, "GenericError", "Message rate exceeded; slow down"));
  }

  binaryReceived(): void {
    if (this.#stopping) return;
    this.#warnNoisy("bad frame", { reason: "binary frame" });
    this.#noteProtocolError("Binary frame (OCPP-J uses text frames only): connection closed");
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
   * Sends a CS->CP CALL through the mailbox; resolves with the validated CALLRESULT payload once the answer and
   * what it teaches are stored with the command log entry. Unless `force`, a command the state makes
   * pointless is refused with CommandRefusedError (and logged). The caller checks `isStopping` first.
   */
  call(action: string, payload: unknown, options: CallOptions = {}): Promise<unknown> {
    if (this.#stopping) return Promise.reject(new NotConnectedError(this.id, action));
    return new Promise((resolve, reject) => {
      this.#mailbox.post({
        type: "sendCommand",
        command: {
          action,
          payload,
          force: options.force ?? false,
          requestedBy: options.requestedBy ?? "anonymous",
          log: options.log ?? true,
          ...(options.sendMark ? { sendMark: options.sendMark } : {}),
          logId: options.logId ?? crypto.randomUUID(),
          answerEffects: options.answerEffects ?? false,
          ...(options.recordsAsked ? { recordsAsked: options.recordsAsked } : {}),
          requestedAt: this.deps.now().toISOString(),
          resolve,
          reject,
        },
      });
    });
  }

  /**
   * Applies an operator's patch inside the mailbox, so it cannot race the station's own messages; a named
   * change is computed there, from the snapshot as it is then (a closed transaction leaving its connector).
   */
  updateSnapshot(patch: SnapshotUpdate): Promise<LiveRecord> {
    return new Promise((resolve, reject) =>
      this.#mailbox.post({ type: "updateSnapshot", patch, resolve, reject })
    );
  }

  /**
   * Clears the protocol errors whose last one the operator saw at `seenAt`, in the mailbox: decided on the
   * errors this actor holds, the ones noted and not written yet included, so of two clears at once (through
   * any nodes) one clears and the other hears there are none.
   */
  clearProtocolErrors(seenAt: string, at: string): Promise<ProtocolErrorsClear> {
    return new Promise((resolve, reject) =>
      this.#mailbox.post({
        type: "updateSnapshot",
        patch: { change: "clearProtocolErrors", lastAt: seenAt, at },
        resolve: (_record, before) => resolve(protocolErrorsClear(before.protocolErrors, seenAt)),
        reject,
      })
    );
  }

  /** Driven by the registry's shared timer: checks the call in flight for its deadline, in the mailbox. */
  sweep(nowMs: number): void {
    if (this.#stopped) return;
    if (this.#calls.inFlightAction !== null || this.#unsettled.size > 0) {
      this.#mailbox.post({ type: "sweep", nowMs });
    }
  }

  /** A read-only view for the registry and the API, without the details (`withDetails` adds the store's). */
  /**
   * The chargingProfileIds the station accepted on this connection since it booted on it (empty before a
   * boot): it holds them, whatever the clocks of the nodes that recorded them say.
   */
  profilesAcceptedSinceBoot(): ReadonlySet<number> {
    return this.#profilesSinceBoot ?? new Set();
  }

  get snapshot(): Readonly<LiveRecord> | null {
    return this.#current();
  }

  /**
   * The snapshot with the reservations of ReserveNow commands still waiting for their answer, beside the
   * snapshot's: one reusing the id of a reservation the station holds replaces it only once Accepted (OCPP 1.6
   * §5.13), so until then the station holds the older one, and may take the new one: both are held.
   */
  #withReservationsInFlight(state: LiveRecord): LiveRecord {
    if (!this.#reservationsInFlight?.size) return state;
    const held = state.reservations ?? [];
    const inFlight = [...this.#reservationsInFlight.values()].filter((r) =>
      !held.some((h) => sameHold(h, r))
    );
    return { ...state, reservations: [...held, ...inFlight] };
  }

  /**
   * `state` with the ledger's holds of this station it lacks (`ActorDeps.ledgerHolds`), for a command a
   * reservation may refuse (a ReserveNow, a remote start) and not forced: the ledger holds a ReserveNow nobody
   * answered until its expiry, and so must the station's node, whichever node's snapshot write it missed.
   */
  async #withLedgerHolds(state: LiveRecord, definition: AnyCommand, command: Command): Promise<LiveRecord> {
    const read = this.deps.ledgerHolds;
    if (!read || command.force || (!definition.holds && !definition.presents)) return state;
    const held = state.reservations ?? [];
    const missing = (await read(this.id)).filter((r) =>
      !held.some((h) => h.reservationId === r.reservationId) && !this.#endedByStationSince(r)
    );
    return missing.length ? { ...state, reservations: [...held, ...missing] } : state;
  }

  /** The snapshot with the newest lastSeen in it. */
  #current(): LiveRecord & Partial<StationDetails> | null {
    if (!Number.isNaN(this.#seenMs) && this.#record) {
      this.#record = { ...this.#record, lastSeen: new Date(this.#seenMs).toISOString() };
      this.#seenMs = Number.NaN;
    }
    return this.#record;
  }

  get pendingCall(): { action: string | null; queued: number } {
    return { action: this.#calls.inFlightAction, queued: this.#calls.queued };
  }

  get isStopping(): boolean {
    return this.#stopping;
  }

  /**
   * Whether a frame is the station's answer (CALLRESULT or CALLERROR) to our call in flight, read from its
   * start: the rate limit never holds or refuses it, or the command would time out though answered.
   */
  answersCallInFlight(text: string): boolean {
    const inFlight = this.#calls.inFlightMessageId;
    if (inFlight === null || inFlight === this.#answerPassed) return false;
    if (answerMessageId(text) !== inFlight) return false;
    // One answer per call: copies of it meet the rate limit like any other frame.
    this.#answerPassed = inFlight;
    return true;
  }

  /** Whether a CALL of the station's is received and not yet answered (a station that sends more does not wait). */
  get hasUnansweredCall(): boolean {
    return this.#openCallIds.size > 0;
  }

  /** Whether the store holds this station; null until its snapshot is loaded. */
  get isStored(): boolean | null {
    return this.#stored;
  }

  #beginStop(code: number, reason: string): void {
    if (this.#stopping) return;
    this.#stopping = true;
    // Operators waiting on a command hear at once; their log entries are written by the mailbox.
    this.#calls.rejectAll((action, sent) =>
      sent
        ? new AnswerLostError(this.id, action)
        : new NotConnectedError(this.id, action, "connection closed")
    );
    this.#mailbox.post({ type: "stop", code, reason });
  }

  /**
   * One mailbox turn. Not async, and neither is `#handleFrame`: each hands on the promise of the turn's work
   * (or nothing, for work done at once), so a CALL costs no extra promise and microtask turn per layer.
   */
  #receive(message: Message): Promise<void> | undefined {
    switch (message.type) {
      case "started":
        return this.#load(message.predecessor);
      case "frameReceived":
        if (this.#stopping || !this.#record) return;
        if (message.long && !this.#servesLong()) {
          this.#warnNoisy("bad frame", { reason: "frame too big" });
          this.#noteProtocolError("Frame too big: connection closed");
          this.close(CLOSE_CODES.messageTooBig, "Frame too big");
          return;
        }
        return this.#handleFrame(
          message.result,
          message.receivedAt,
          message.mayHaveBadText,
          message.ignoredId,
        );
      case "sendCommand":
        return this.#sendCommand(message.command);
      case "commandFinished":
        return this.#finishCommand(message.command, message.outcome);
      case "sweep":
        this.#calls.expire(message.nowMs);
        if (this.#unsettled.size > 0 && message.nowMs >= this.#unsettledRetryAtMs) {
          return this.#settleAgain();
        }
        return;
      case "updateSnapshot":
        return this.#updateSnapshot(message);
      case "stop":
        return this.#stop(message.code, message.reason);
      case "stopped":
        // After the outcomes of the commands the close cut off: the last try for any whose write failed.
        if (this.#unsettled.size > 0) {
          return this.#settleAgain().then(() => {
            // The store still failing: no later success will count the drops, so they are counted now.
            this.#tellDrops();
            this.#hasStopped();
          });
        }
        this.#hasStopped();
        return;
    }
  }

  #hasStopped(): void {
    this.hooks.onStopped(this);
    this.#resolveStopped();
  }

  async #load(predecessor: Promise<void> | undefined): Promise<void> {
    if (predecessor) await predecessor;
    if (this.#stopping) return;
    const now = this.deps.now();
    try {
      const stored = await this.deps.store.getChargePoint(this.id);
      if (stored?.decommissionedAt) return this.#refuseDecommissioned(stored.decommissionedAt);
      const ocppVersion = this.dialect.protocol.subprotocol;
      const live = { lastSeen: now.toISOString(), ocppVersion };
      // A stored station's details stay in the store until something needs them (`#details`).
      this.#record = stored
        ? withoutDetails({ ...stored, ...live })
        : { ...emptyRecord(this.id, now), ...live };
      this.#detailsHeld = stored === null;
      this.#protocolErrorsBase = baseOf(stored);
      // The write that stored its last protocol error came no earlier than it: a station that reconnects to
      // send more does not get a write of its own sooner than one per interval. That time was stamped by a
      // node's wall clock, maybe another's ahead of ours: it counts for one interval at most.
      const lastAt = stored?.protocolErrors ? Date.parse(stored.protocolErrors.lastAt) : Number.NaN;
      if (!Number.isNaN(lastAt)) {
        const since = Math.min(Math.max(now.getTime() - lastAt, 0), PROTOCOL_ERRORS_WRITE_INTERVAL_MS);
        this.#protocolErrorsWrittenMs = this.#elapsedMs() - since;
      }
      // This connection started after whichever wrote the record, whatever that node's clock said.
      this.#writer = writerAfter(this.#ownConnection(), storedWriterOf(stored));
      // What the load changes in a stored record rides with the next commit, those fields alone, so no other
      // field is written back over a change made since the load (another node's offline write): the dialect,
      // the station's to say like its boot, and the reservations that expired meanwhile (the station dropped
      // them; a record that kept every one could outgrow what a KV value holds).
      const patch: SnapshotPatch = {};
      if (stored && stored.ocppVersion !== ocppVersion) patch.ocppVersion = ocppVersion;
      // A station that changed dialect (a record without one is of a 1.6 station): the statuses it reported in
      // the other one no longer describe it, and no operator should read them as its state (a 1.6 connector
      // "Charging" in a session the 2.0.1 firmware will never end). Its status history keeps them.
      if (stored && (stored.ocppVersion ?? "ocpp1.6") !== ocppVersion) {
        if (ocppVersion === "ocpp2.0.1" && stored.connectors.length > 0) {
          this.#record.connectors = patch.connectors = [];
        } else if (ocppVersion !== "ocpp2.0.1" && (stored.evses?.length ?? 0) > 0) {
          this.#record.evses = patch.evses = [];
        }
      }
      const reservations = unexpiredReservations(this.#record, now.getTime());
      if (reservations) this.#record.reservations = patch.reservations = reservations;
      this.#loadPatch = stored && Object.keys(patch).length > 0 ? patch : null;
      // A new station is stored when it boots; until then the registry lists it as connected. A known one
      // keeps its stored snapshot until it changes (online is the registry's to say, and lastSeen is written
      // with every CALL and on close).
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

  /**
   * A decommissioned station that connects is closed before it is served: nothing is written (no lastSeen,
   * no connected or disconnected event), and the attempt is a security event (`station_refused`), at most
   * one per `shutOut` window; the id is taught to `shutOut`, which refuses its next handshake (HTTP 404).
   */
  #refuseDecommissioned(since: string): void {
    this.close(CLOSE_CODES.decommissioned, "Decommissioned");
    this.deps.shutOut?.learn(this.id);
    const reason = `Decommissioned since ${since}`;
    if (this.deps.shutOut?.due(this.id, this.deps.now().getTime()) === false) {
      this.log.debug("decommissioned station refused", { remoteAddress: this.remoteAddress, since });
      return;
    }
    this.log.warn("decommissioned station refused", { remoteAddress: this.remoteAddress, since });
    this.deps.securityEvents?.record({
      kind: "station_refused",
      chargePointId: this.id,
      remoteAddress: this.remoteAddress,
      reason,
    });
  }

  async #updateSnapshot(message: Extract<Message, { type: "updateSnapshot" }>): Promise<void> {
    if (!this.#record) return message.reject(new NotConnectedError(this.id, "updateSnapshot", "not loaded"));
    const undo = { record: this.#record, unsaved: this.#unsaved, unwritten: this.#protocolErrorsUnwritten };
    try {
      const before = this.#current()!;
      const patch = isSnapshotChange(message.patch) ? patchFor(before, message.patch) : message.patch;
      // Cleared by an operator: the ones noted and not written yet go too (they would ride with this write).
      if (patch.protocolErrors === null) this.#protocolErrorsUnwritten = null;
      const base = this.#protocolErrorsBase;
      let committed: CommitResult;
      try {
        committed = await this.#commit({ chargePointId: this.id, snapshot: patch });
      } catch (error) {
        this.#undoOperatorChange(undo);
        return message.reject(operatorWriteFailed(this.id, error));
      }
      // A newer connection wrote the record: this one's write (the operator's change with it) was skipped and
      // its socket closed. The registry writes the change as for a station offline, from the stored record.
      if (committed.ok && committed.replaced) {
        return message.reject(
          new NotConnectedError(this.id, "updateSnapshot", "replaced by a newer connection"),
        );
      }
      message.resolve(this.#current()!, clearedBefore(before, patch, base, committed));
    } catch (error) {
      message.reject(error);
    }
  }

  /**
   * An operator's change whose write failed is not done at all: the operator hears so, and it must not ride
   * with the station's next write (a failed commit keeps its patch in memory for that), nor drop the protocol
   * errors a clear would have dropped. Ones noted while the write was under way count from those and stay.
   */
  #undoOperatorChange(
    undo: {
      record: LiveRecord & Partial<StationDetails>;
      unsaved: boolean;
      unwritten: ProtocolErrors | null;
    },
  ): void {
    const noted = this.#protocolErrorsUnwritten;
    this.#protocolErrorsUnwritten = noted ?? undo.unwritten;
    this.#record = noted ? { ...undo.record, protocolErrors: noted } : undo.record;
    this.#unsaved = undo.unsaved;
  }

  async #stop(code: number, reason: string): Promise<void> {
    const at = this.deps.now();
    if (this.#record) {
      try {
        // A touch unless a failed commit left fields to write (nothing for a station never stored); on a
        // shutdown every station closes at once, and their touches become a few commits.
        await this.#commit({ chargePointId: this.id, lastSeen: at.toISOString() });
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
    this.deps.securityEventQuota?.left(this.id);
    const notLogged = this.#noisy?.notLogged();
    this.#noisy = null;
    this.log.info("connection closed", {
      remoteAddress: this.remoteAddress,
      code,
      reason,
      ...(notLogged ? { notLogged } : {}),
    });
    // After the command outcomes the close posted: their log entries are written before we are stopped.
    this.#stopped = true;
    this.#mailbox.post({ type: "stopped" });
  }

  /** A line the station can make us write at will: the first few per kind and connection (`NoisyLines`). */
  #warnNoisy(msg: string, fields: Record<string, unknown>): void {
    if ((this.#noisy ??= new NoisyLines()).allow(msg)) this.log.warn(msg, fields);
  }

  #handleFrame(
    result: DecodeResult,
    receivedAt: Date,
    mayHaveBadText: boolean,
    ignoredId?: string,
  ): Promise<void> | undefined {
    if (result.kind === "ignored") {
      const { protocol } = this.dialect;
      const answer = protocol.unknownMessageType === "MessageTypeNotSupported";
      this.#warnNoisy("bad frame", { reason: result.reason, ignored: !answer });
      if (answer) {
        this.#send(encodeCallError(ignoredId ?? "-1", "MessageTypeNotSupported", result.reason));
      }
      this.#noteProtocolError(
        answer ? `MessageTypeNotSupported: ${result.reason}` : `${result.reason}: ignored`,
      );
      return this.#countBadFrame();
    }
    if (result.kind === "invalid") {
      // OCPP-J has no id to answer an unreadable CALL with; "-1" follows the convention of OCPP 2.0.1.
      const unreadable = result.messageId === undefined ? this.dialect.protocol.unreadableFrame : undefined;
      this.#warnNoisy("bad frame", {
        reason: result.description,
        // As the station reads it (its dialect's spelling).
        code: unreadable ?? wireErrorCode(this.dialect.protocol, result.code),
        messageId: result.messageId,
      });
      if (result.answerable) {
        this.#send(
          unreadable
            ? encodeCallError("-1", unreadable, result.description)
            : this.#callError(result.messageId ?? "-1", result.code, result.description),
        );
      } else if (result.messageId !== undefined) {
        // A malformed answer to our command in flight fails it now, rather than at its timeout.
        const call = this.#calls.settle(result.messageId);
        call?.reject(new InvalidResponseError(this.id, call.action, result.description));
      }
      const code = unreadable ?? wireErrorCode(this.dialect.protocol, result.code);
      this.#noteProtocolError(
        result.answerable
          ? `${code}: ${result.description}`
          : `Unreadable answer, ignored: ${result.description}`,
      );
      return this.#countBadFrame();
    }
    const frame = result.frame;
    if (frame.type === CALL) return this.#handleCall(frame, receivedAt, mayHaveBadText);
    // A late answer's write to the command log is awaited in this turn.
    return this.#handleResponse(frame, mayHaveBadText);
  }

  /** Counts a bad frame; closes after too many, else writes the protocol errors when due (`#writeProtocolErrorsIfDue`). */
  #countBadFrame(): Promise<void> | undefined {
    const { maxBadFrames, badFramesWindowMs } = this.deps.settings;
    const badFrames = this.#badFrames ??= new BadFrames({ limit: maxBadFrames, windowMs: badFramesWindowMs });
    if (badFrames.add(this.#elapsedMs())) {
      this.log.warn("closing after too many bad frames", { badFrames: badFrames.count });
      // The close's own write carries the protocol errors.
      this.close(CLOSE_CODES.protocolError, "Too many bad frames");
      return;
    }
    return this.#writeProtocolErrorsIfDue();
  }

  /**
   * One more protocol error of the station (a frame refused or ignored), in the snapshot in memory at once (the
   * live views read it) and written with the next commit. `problem`: our words about the frame, never its
   * payload.
   */
  #noteProtocolError(problem: string, action?: string): void {
    const record = this.#current();
    if (!record) return;
    const error = { at: this.deps.now(), problem, ...(action !== undefined ? { action } : {}) };
    // The unwritten ones first: a frame noted on arrival, outside a turn, may meet a turn's older record.
    const counted = this.#protocolErrorsUnwritten ?? record.protocolErrors ?? undefined;
    this.#protocolErrorsUnwritten = withProtocolError(counted, error);
    this.#record = { ...record, protocolErrors: this.#protocolErrorsUnwritten };
  }

  /**
   * A write of the station's unwritten protocol errors when none was for PROTOCOL_ERRORS_WRITE_INTERVAL_MS: a
   * station that sends only bad frames (no CALL whose commit they could ride with) still shows them on every
   * node, but makes us write at most once per interval. Called in a mailbox turn.
   */
  #writeProtocolErrorsIfDue(): Promise<void> | undefined {
    if (!this.#protocolErrorsUnwritten || !this.#protocolErrorsDue()) return;
    const pending = this.#commit({ chargePointId: this.id });
    if (!(pending instanceof Promise)) return;
    // A try counts as the interval's write: a store that refuses (a full disk) is tried, and logged, once
    // per interval, not at every refused frame (the errors stay unwritten and ride with the next write).
    this.#protocolErrorsWrittenMs = this.#elapsedMs();
    return pending.then(
      () => undefined,
      (error) => {
        const level = this.deps.storeWritesFailing?.() ? "debug" : "warn";
        this.log[level]("cannot write protocol errors", { error: String(error) });
      },
    );
  }

  /**
   * After a write of protocol errors (`written`, null: a clear) counted from `base`: the counts in memory drop
   * what is cleared in the store, the errors the clear held (`record`'s, noted ones counted on top of them
   * since), or the base's when a clear elsewhere moved the epoch since (`epoch`, the store's after the write);
   * the base becomes what the store holds now.
   */
  #rebaseProtocolErrors(
    record: Readonly<LiveRecord>,
    written: ProtocolErrors | null,
    base: ProtocolErrorsBase,
    epoch = epochAfterWrite(written, base.epoch),
  ): void {
    const clearedElsewhere = epoch !== epochAfterWrite(written, base.epoch);
    const gone = written === null ? record.protocolErrors?.count ?? 0 : clearedElsewhere ? base.count : 0;
    this.#protocolErrorsUnwritten = withoutFirst(this.#protocolErrorsUnwritten, gone);
    this.#record!.protocolErrors = withoutFirst(this.#record!.protocolErrors ?? null, gone);
    this.#protocolErrorsBase = { epoch, count: withoutFirst(written, gone)?.count ?? 0 };
  }

  #protocolErrorsDue(): boolean {
    return this.#elapsedMs() - this.#protocolErrorsWrittenMs >= PROTOCOL_ERRORS_WRITE_INTERVAL_MS;
  }

  /** This process's own clock for intervals (`ActorDeps.monotonicMs`). */
  #elapsedMs(): number {
    return this.deps.monotonicMs?.() ?? performance.now();
  }

  /**
   * A station's CALL, from its checks to its answer: ONE async function per CALL (the checks, the decision's
   * commit and the answer are plain calls), so a CALL costs one promise and one suspended frame here.
   */
  async #handleCall(frame: CallFrame, receivedAt: Date, mayHaveBadText: boolean): Promise<void> {
    const { messageId, action } = frame;
    const started = performance.now();
    let outcome = "accepted";
    try {
      const handler = this.#handlerOf(action);
      const request = this.#admitted(frame, mayHaveBadText, receivedAt);
      const { settings, store, vendors, csr, dataTransfers } = this.deps;
      const ctx: HandlerContext = {
        chargePointId: this.id,
        securityProfile: this.securityProfile,
        now: receivedAt,
        messageId,
        triggered: this.#asked(action, receivedAt.getTime()),
        settings,
        lookups: store.decisionLookups ?? store,
        vendors,
        csr,
        dataTransfers,
        details: this.#detailsLookup,
        ...(this.#reservationsInFlight?.size
          ? { reservationsAsked: [...this.#reservationsInFlight.values()] }
          : {}),
      };
      for (let decision = 1;; decision++) {
        // A handler that needs no lookup answers at once (Heartbeat): no await, no microtask turn.
        const decided = handler(this.#record!, request as never, ctx);
        const result: HandlerResult<unknown> = decided instanceof Promise ? await decided : decided;
        const pending = this.#commitDecision(result, receivedAt);
        const committed = pending instanceof Promise ? await pending : pending;
        // A newer connection wrote the record: this turn's decision is a stale connection's, not the
        // station's state. Its socket is closed (4000), so nothing is answered: the station sends what
        // matters again on its current connection. No events, security events or follow-ups either (a stale
        // Faulted would cancel reservations, steer load management, show on the dashboard).
        if (committed.ok && committed.replaced) {
          outcome = "replaced";
          return;
        }
        if (committed.ok) {
          // A boot that made it Accepted counts, though no other CALL came before a change of status.
          if (this.#record?.registrationStatus === "Accepted") this.#acceptedHere = true;
          if (ctx.triggered && this.dialect.triggeredOnce?.has(action)) this.#useTrigger(action, receivedAt);
          if (result.log) { for (const line of result.log) this.log[line.level](line.msg, line.fields); }
          for (const id of result.reservationsEnded ?? []) this.#endedByStationNow(id);
          // Stored before the answer, like the changes: never acknowledge what is not stored.
          const dropped = result.securityEvents?.length
            ? await this.#recordSecurityEvents(result.securityEvents, messageId)
            : false;
          if (result.events) {
            // Before the boot is published: load management's restore asks what came after it.
            if (result.events.some(isReboot)) this.#profilesSinceBoot = new Set();
            for (const event of result.events) {
              // A security event on the stream mirrors its log entry: past the quota, or sent again, neither.
              if (dropped && event.type === "securityEvent") continue;
              this.deps.events.publish(committedEvent(event, committed));
            }
          }
          this.#send(encodeCallResult(messageId, result.response));
          if (result.followUps) {
            for (const followUp of result.followUps) this.#startFollowUp(action, followUp);
          }
          return;
        }
        if (decision >= MAX_DECISIONS) {
          throw new Error(
            `"${action}" still conflicts after ${MAX_DECISIONS} decisions: ${committed.conflict}`,
          );
        }
        this.log.info("commit conflict, deciding again", { action, conflict: committed.conflict });
      }
    } catch (error) {
      if (error instanceof OcppError) {
        outcome = error.code;
        // The station's own doing (an action we lack, a payload its schema refuses): as often as it likes.
        this.#warnNoisy("call refused", { action, messageId, code: error.code, reason: error.message });
        this.#send(this.#callError(messageId, error.code, error.message, error.details));
        // A station not Accepted yet is told so (SecurityError): its registration, not its frames, is wrong.
        if (error.code !== "SecurityError") {
          const code = wireErrorCode(this.dialect.protocol, error.code);
          this.#noteProtocolError(`${code}: ${error.message}`, action);
          await this.#writeProtocolErrorsIfDue();
        }
      } else {
        outcome = "InternalError";
        // Never leak internals to a station: the details stay in our log, once per episode of a store that
        // refuses every write (a full disk: a line per CALL would fill it further).
        const level = this.deps.storeWritesFailing?.() ? "debug" : "error";
        this.log[level]("call failed", { action, messageId, error: String(error) });
        this.#send(this.#callError(messageId, "InternalError", `Could not process "${action}", retry later`));
      }
    } finally {
      this.#openCallIds.delete(messageId);
      this.deps.metrics?.callHandled(action, outcome, (performance.now() - started) / 1000);
    }
  }

  /** The dialect's handler of a CALL's action; NotImplemented / NotSupported when it has none. */
  #handlerOf(action: string): AnyHandler {
    const { protocol, handlers } = this.dialect;
    if (!hasAction(protocol.actions, action)) {
      if (protocol.outOfScope?.includes(action)) {
        throw new OcppError("NotSupported", `Action "${action}" of ${protocol.name} is not supported here`);
      }
      throw new OcppError("NotImplemented", `Action "${action}" is not implemented`);
    }
    const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
    if (protocol.actions[action]!.directions.CpToCs === undefined || !handler) {
      throw new OcppError("NotSupported", `Action "${action}" is sent by the Central System, not to it`);
    }
    return handler;
  }

  /** The CALL's request, validated and without text no store keeps, from a station that may send it; else an OcppError. */
  #admitted(frame: CallFrame, mayHaveBadText: boolean, receivedAt: Date): unknown {
    const { action } = frame;
    const validated = validateMessage(this.dialect.protocol, "request", action, frame.payload);
    if (!validated.ok) throw new OcppError(validated.code, validated.description, validated.details);
    const request = mayHaveBadText ? this.#withoutBadText(action, validated.value) : validated.value;
    const record = this.#record as ChargePointRecord;
    if (record.registrationStatus === "Accepted") {
      this.#acceptedHere = true;
      return request;
    }
    // OCPP 1.6 §4.2.1: until Accepted, a station may only send BootNotification. Except what we asked it for,
    // and, from a station Accepted earlier on this connection, what goes on with or ends its sessions: an
    // operator may set a connected station Pending or Rejected mid-session, and the station does not know;
    // refusing its readings and stops would lose them. A new session is not started that way.
    if (
      action !== "BootNotification" &&
      !(this.#acceptedHere && this.dialect.continuesSession(action, request, record)) &&
      !this.#wasTriggered(action, receivedAt.getTime())
    ) {
      const status = record.registrationStatus ?? "not registered";
      throw new OcppError(
        "SecurityError",
        `Station "${this.id}" is ${status}: send BootNotification and wait until Accepted`,
      );
    }
    // A reply in parts we asked for (a full report may take minutes): each part with more to come keeps the
    // door open for the next one, as long again.
    const atMs = receivedAt.getTime();
    if (this.#wasTriggered(action, atMs) && this.dialect.continuesReply?.(action, request)) {
      this.#rememberTriggered([action], atMs);
    }
    return request;
  }

  /** Whether we asked for `action` with a trigger the station accepted, recently enough. */
  #wasTriggered(action: string, atMs: number): boolean {
    const until = this.#triggered?.get(action);
    return until !== undefined && atMs <= until;
  }

  /**
   * Whether we asked for `action`: a trigger the station accepted, recently enough, or the command in flight
   * asks for it (were it accepted; the station may send what we asked for before its answer).
   */
  #asked(action: string, atMs: number): boolean {
    if (this.#wasTriggered(action, atMs)) return true;
    const call = this.#calls.inFlight;
    const triggers = call && this.dialect.commands[call.action]?.triggers;
    return !!triggers && triggers(call.payload as never, { status: "Accepted" } as never).includes(action);
  }

  /** A `triggeredOnce` action was sent as asked and stored: the trigger that asked for it is used up. */
  #useTrigger(action: string, at: Date): void {
    if (this.#wasTriggered(action, at.getTime())) {
      this.#triggered!.delete(action);
      return;
    }
    // Asked for by the command in flight, not answered yet.
    const call = this.#calls.inFlight;
    if (call === null) return;
    if (this.#usedBeforeAnswer === null || this.#usedBeforeAnswer.payload !== call.payload) {
      this.#usedBeforeAnswer = { payload: call.payload, actions: new Set() };
    }
    this.#usedBeforeAnswer.actions.add(action);
  }

  /** Remembers the actions an accepted trigger asked for (a command's `triggers`). */
  #rememberTriggered(actions: readonly string[], atMs: number): void {
    if (actions.length === 0) return;
    this.#triggered ??= new Map();
    for (const action of actions) this.#triggered.set(action, atMs + TRIGGERED_WINDOW_MS);
  }

  /** Commits a handler's decision, with lastSeen when it is due. */
  #commitDecision(result: HandlerResult<unknown>, receivedAt: Date): CommitResult | Promise<CommitResult> {
    const changes: StationChanges = { ...result.changes, chargePointId: this.id };
    // lastSeen rides along with a snapshot write, else it is written at most every lastSeenIntervalMs: a
    // Heartbeat alone then costs no write at all (the snapshot in memory always has the newest).
    const interval = this.deps.settings.lastSeenIntervalMs ?? DEFAULT_LAST_SEEN_INTERVAL_MS;
    if (changes.snapshot || receivedAt.getTime() - this.#lastSeenStoredMs >= interval) {
      changes.lastSeen = isoString(receivedAt);
    }
    return this.#commit(changes, receivedAt.getTime());
  }

  /** Work a handler asked for after its answer; outside this turn, so it may send us commands. */
  #startFollowUp(action: string, followUp: FollowUp): void {
    const run = this.deps.followUps;
    if (!run) return;
    run(this.id, followUp).catch((error) => {
      this.log.error("follow-up failed", { action, followUp: followUp.type, error: String(error) });
    });
  }

  /**
   * Stores the handler's security events, those within the station's quota, each with this CALL's id: the
   * store refuses one it holds already for this station, id and event (the CALL sent again after its answer
   * was lost, Security Whitepaper A04: to this node or another, before or after a restart), and the quota gives
   * back the place it took. True when any was not stored (the quota counts a dropped one and reports the drops
   * itself). The station is answered all the same: it did nothing wrong in OCPP's eyes, and an error would only
   * make it send the same event again.
   */
  async #recordSecurityEvents(events: HandlerSecurityEvent[], messageId: string): Promise<boolean> {
    const { securityEvents: log, securityEventQuota: quota } = this.deps;
    let dropped = false;
    const kept: HandlerSecurityEvent[] = [];
    for (const e of events) {
      const event = { ...e, chargePointId: this.id, messageId };
      // Over the quota, a retransmission is told from a new event by the log (one read): not a drop.
      const alreadyStored = log ? () => log.hasEventOf(event) : undefined;
      if (!quota || await quota.admit(this.id, e, alreadyStored)) kept.push(e);
      else {
        this.log.debug("security event over quota or sent again, not stored", { kind: e.kind, messageId });
        dropped = true;
      }
    }
    if (kept.length === 0) return dropped;
    if (!log) {
      for (const e of kept) this.log.warn(e.kind, { event: "security", reason: e.reason });
      return dropped;
    }
    const outcomes = kept.map((e) => {
      const stored = log.recordOnce({ kind: e.kind, chargePointId: this.id, reason: e.reason, messageId });
      // Settled by the write that holds it, this turn's or (the store down now) a later retry's.
      void stored.then((ok) => ok || quota?.refund(this.id, e));
      return stored;
    });
    try {
      await log.flush();
    } catch (error) {
      // Not stored, so not answered: the station sends this CALL again (a new message id), and that turn records
      // them. Left queued, the log would store them later and the copy too (`SecurityEventSink.withdraw`).
      log.withdraw?.(this.id, messageId);
      throw error;
    }
    // Settled: the flush wrote them.
    for (const stored of await Promise.all(outcomes)) if (!stored) dropped = true;
    return dropped;
  }

  /**
   * One rule for both stores (PostgreSQL cannot store U+0000, nor a lone surrogate in jsonb): the dialect's
   * transaction messages keep every reading, with such text replaced by U+FFFD, and are answered as usual, so
   * no transaction is lost and the station has nothing to retry; any other CALL holding it is refused with
   * PropertyConstraintViolation, which a station does not retry the way it retries InternalError.
   */
  #withoutBadText(action: string, request: unknown): unknown {
    const found = findBadText(request);
    if (found === null) return request;
    const { field, kind } = found;
    if (!this.dialect.transactionMessages.has(action)) {
      const { says, constraint } = BAD_TEXT[kind];
      throw new OcppError("PropertyConstraintViolation", `Field "${field}" contains ${says}`, {
        field,
        constraint,
      });
    }
    this.log.warn("text no store keeps replaced", { action, field, kind });
    return replaceBadText(request);
  }

  /**
   * ONE store call for `changes`, with what an earlier failed commit left unwritten; the snapshot in memory
   * follows what is stored. A station the store does not hold is written in full once it has a registration
   * (its boot, or an operator's) or is decommissioned; before that nothing about it is stored but its command
   * log. A failed commit still keeps what the station reported about itself in memory (written with the next
   * commit or on close), but never a transaction the store does not have.
   */
  #commit(changes: StationChanges, seenAtMs?: number): CommitResult | Promise<CommitResult> {
    let record = this.#record!;
    let snapshot = changes.snapshot;
    // An operator's decommission makes a station known too: its id is to be refused from then on.
    const registered = (snapshot?.registrationStatus ?? record.registrationStatus) !== null ||
      !!snapshot?.decommissionedAt;
    const full: StationChanges = { ...changes };
    let held: SnapshotPatch | null = null;
    if (!this.#stored && !registered) {
      delete full.snapshot;
      delete full.lastSeen;
      snapshot = undefined;
    } else if (!this.#stored) {
      record = this.#current()!;
      const { id: _, ...all } = record;
      snapshot = { ...all, ...snapshot };
    } else if (this.#unsaved) {
      record = this.#current()!;
      held = actorFields(record);
    }
    if (this.#loadPatch && this.#stored) snapshot = { ...this.#loadPatch, ...snapshot };
    // Unwritten protocol errors ride with a write made anyway, or make one when due (`#protocolErrorsDue`).
    const errors = this.#protocolErrorsUnwritten;
    if (errors && (this.#stored || registered) && (snapshot || !isEmpty(full) || this.#protocolErrorsDue())) {
      snapshot = { ...snapshot, protocolErrors: errors };
    }
    const updatedAt = isoString(this.deps.now());
    if (snapshot || held) full.snapshot = { ...held, ...snapshot, updatedAt };
    if (full.snapshot?.protocolErrors !== undefined) full.protocolErrorsBase = this.#protocolErrorsBase;
    // The store keeps a stale connection's snapshot (a node thawed after a freeze) off a newer one's.
    if (full.snapshot) full.connection = this.#connection;
    // Nothing to write (a Heartbeat between lastSeen writes): settled at once, no store call, no await.
    if (isEmpty(full)) return this.#committed(record, changes, full, NOTHING_WRITTEN, seenAtMs);
    let alone: StationChanges | null = null;
    if (held) {
      alone = { ...full };
      if (snapshot) alone.snapshot = { ...snapshot, updatedAt };
      else delete alone.snapshot;
    }
    return this.#write(record, changes, full, seenAtMs, alone);
  }

  /** `alone`: `full` without the fields an earlier failed commit left, when it carries some. */
  async #write(
    record: LiveRecord & Partial<StationDetails>,
    changes: StationChanges,
    full: StationChanges,
    seenAtMs: number | undefined,
    alone: StationChanges | null,
  ): Promise<CommitResult> {
    let committed: CommitResult;
    try {
      committed = await this.deps.store.commit(full);
    } catch (error) {
      // After a failed write the next CALL carries lastSeen, Heartbeat included: a station talking to a
      // server that cannot store hears it (InternalError) until the store is back.
      this.#lastSeenStoredMs = -Infinity;
      // A store out of reach says nothing of the held fields: not written again without them (a row locked
      // elsewhere would make each try wait its lock timeout), nor counted as their refusal.
      const retried = alone && !(error instanceof StoreUnavailableError)
        ? await this.#commitWithoutHeld(alone, error)
        : null;
      if (retried?.committed) {
        const from = retried.dropped ? this.#record! : record;
        return this.#committed(from, changes, alone!, retried.committed, seenAtMs, !retried.dropped);
      }
      const touchesTransactions = !!changes.transactionsStarted?.length ||
        !!changes.transactionUpdates?.length;
      if (changes.snapshot && !touchesTransactions && !retried?.dropped) {
        this.#record = applyPatch(record, changes.snapshot);
        this.#unsaved = true;
      }
      throw error;
    }
    return this.#committed(record, changes, full, committed, seenAtMs);
  }

  /**
   * A commit that carried what an earlier failed commit left failed again: the same changes without those
   * fields, so the station's CALL is not refused for what an earlier one brought (`committed`). When these
   * fail too, a write of lastSeen alone tells a store that is down from one that refuses a value. A store that
   * refuses the held fields HELD_REFUSALS_BEFORE_DROP times in a row while it works would fail the station's
   * writes for ever: the held fields are dropped and the record is read back from the store (the CALLs that
   * brought them were answered InternalError: nothing acknowledged is lost). Null when the store is down.
   */
  async #commitWithoutHeld(
    alone: StationChanges,
    error: unknown,
  ): Promise<{ committed: CommitResult | null; dropped: boolean } | null> {
    let committed: CommitResult | null = null;
    try {
      committed = await this.deps.store.commit(alone);
    } catch {
      try {
        await this.deps.store.commit({ chargePointId: this.id, lastSeen: isoString(this.deps.now()) });
      } catch {
        return null;
      }
    }
    if (++this.#heldRefusals < HELD_REFUSALS_BEFORE_DROP) return { committed, dropped: false };
    this.#heldRefusals = 0;
    this.log.error("station fields the store refuses are dropped", { error: String(error) });
    try {
      const stored = await this.deps.store.getChargePoint(this.id);
      if (stored) {
        const ocppVersion = this.dialect.protocol.subprotocol;
        this.#record = withoutDetails({ ...stored, lastSeen: this.#current()!.lastSeen, ocppVersion });
        this.#protocolErrorsBase = baseOf(stored);
        this.#detailsHeld = false;
        this.#unsaved = false;
      }
    } catch (reload) {
      this.log.warn("cannot read the station back after dropping fields", { error: String(reload) });
    }
    return { committed, dropped: true };
  }

  /** What a commit's outcome changes in memory: the snapshot follows what is stored. */
  #committed(
    record: LiveRecord & Partial<StationDetails>,
    changes: StationChanges,
    full: StationChanges,
    committed: CommitResult,
    seenAtMs: number | undefined,
    stillUnsaved = false,
  ): CommitResult {
    if (committed.ok && committed.replaced) {
      // A newer connection of this station (on another node) wrote its snapshot: this socket is stale, and
      // its snapshot in memory too. Its other changes are stored (the ledger guards them on its own).
      this.log.info("connection replaced", {
        remoteAddress: this.remoteAddress,
        by: "a newer snapshot write",
      });
      this.close(CLOSE_CODES.replaced, "Replaced by a new connection");
      return committed;
    }
    if (committed.ok) {
      if (full.snapshot) {
        if (full.snapshot.reservations) this.#releaseEnded(record, full.snapshot.reservations);
        this.#record = applyPatch(record, full.snapshot);
        // Noted since this commit began: the live views show them, the next commit writes them.
        const unwritten = this.#protocolErrorsUnwritten;
        if (unwritten && unwritten !== full.snapshot.protocolErrors) this.#record.protocolErrors = unwritten;
      }
      const seenMs = seenAtMs ?? (changes.lastSeen === undefined ? Number.NaN : Date.parse(changes.lastSeen));
      if (!Number.isNaN(seenMs)) this.#seenMs = seenMs;
      if (full.lastSeen !== undefined || full.snapshot?.lastSeen !== undefined) {
        this.#lastSeenStoredMs = Date.parse(full.lastSeen ?? full.snapshot!.lastSeen!);
      }
      if (full.snapshot) {
        this.#stored = true;
        this.#unsaved = stillUnsaved;
        this.#loadPatch = null;
        const errors = full.snapshot.protocolErrors;
        if (errors) {
          this.#protocolErrorsWrittenMs = this.#elapsedMs();
          // A newer one noted meanwhile (not in this turn: the mailbox) stays unwritten.
          if (errors === this.#protocolErrorsUnwritten) this.#protocolErrorsUnwritten = null;
        }
        if (errors !== undefined && full.protocolErrorsBase) {
          this.#rebaseProtocolErrors(record, errors, full.protocolErrorsBase, committed.protocolErrorsEpoch);
        }
      }
      if (!this.#unsaved) this.#heldRefusals = 0;
      if (this.#detailsHeld && this.#stored && !this.#unsaved) {
        this.#record = withoutDetails(this.#record!);
        this.#detailsHeld = false;
      }
    }
    return committed;
  }

  /**
   * This connection, as the store compares writers (`model/newest_connection.ts`; "" without a node id): made
   * at the load, just after the record's writer when that one's clock was ahead (`writerAfter`), not at each
   * write.
   */
  #writer: WriterConnection | null = null;
  get #connection(): WriterConnection {
    return this.#writer ??= this.#ownConnection();
  }

  #ownConnection(): WriterConnection {
    return { connectedAt: this.connectedAt.toISOString(), nodeId: this.deps.senderId?.() ?? "" };
  }

  /** `#details` as the handlers' lookup: one function per actor, not one per CALL. */
  readonly #detailsLookup = (): Promise<StationDetails> => this.#details();

  /**
   * The station's details, read from the store and held until a commit has stored whatever changed them. Called
   * in a mailbox turn, so nothing else commits for this station meanwhile; the store has what the actor last
   * wrote (only the actor writes them).
   */
  async #details(): Promise<StationDetails> {
    if (!this.#detailsHeld) {
      const stored = await this.deps.store.getChargePoint(this.id);
      this.#record = withDetails(this.#record!, stored);
      this.#detailsHeld = true;
    }
    const { configuration = null, chargingReports } = this.#record!;
    return chargingReports === undefined ? { configuration } : { configuration, chargingReports };
  }

  /** A mailbox turn: the guard, then the CALL goes out (or waits for the one in flight). */
  async #sendCommand(command: Command): Promise<void> {
    const { action } = command;
    const definition = this.dialect.commands[action];
    if (this.#stopping || !this.#record || !definition) {
      // A command the station's dialect does not have is refused, not "not connected": retrying cannot help.
      const error = !definition
        ? new CommandRefusedError(
          this.id,
          action,
          `"${action}" is not a command of ${this.dialect.protocol.name}`,
        )
        : new NotConnectedError(this.id, action, this.#record ? "connection closed" : "not loaded");
      return await this.#finishCommand(command, { error });
    }
    if (this.dialect.checkCommands) {
      const checked = validateMessage(this.dialect.protocol, "request", action, command.payload);
      if (!checked.ok) {
        // A caller of ours built it (an operator's payload was checked already): worth a warning, not only
        // the command log row, which a command sent unlogged does not have.
        const { field, constraint } = checked.details;
        this.log.warn("command refused: not valid for its dialect", {
          action,
          field,
          constraint,
          requestedBy: command.requestedBy,
        });
        const reason = `not a valid ${this.dialect.protocol.name} ${action} request: ${checked.description}`;
        return await this.#finishCommand(command, {
          error: new CommandRefusedError(this.id, action, reason, { field, constraint }, false),
        });
      }
    }
    let state: LiveRecord;
    try {
      state = await this.#withLedgerHolds(
        this.#withReservationsInFlight(this.#current()!),
        definition,
        command,
      );
    } catch (error) {
      // The store's trouble, as for the id tag below: not sent.
      const why = `the reservation ledger's holds could not be read (${String(error)})`;
      return await this.#finishCommand(command, { error: new CommandNotSentError(this.id, action, why) });
    }
    let refusal: string | Refusal | null =
      definition.only === ACCEPTED_STATIONS_ONLY && state.registrationStatus !== "Accepted"
        ? `the station is ${
          state.registrationStatus ?? "not registered"
        }: OCPP forbids ${action} until it is Accepted`
        : command.force
        ? null
        : definition.guard?.(state, command.payload as never, this.deps.now()) ?? null;
    const tag = refusal === null && !command.force ? definition.presents?.(command.payload as never) : null;
    if (tag) {
      try {
        refusal = await this.#tagRefusal(tag, state);
      } catch (error) {
        // The store's trouble, not the station's: not sent, and no crash closing its connection.
        const why = `id tag "${tag.idTag}" could not be checked (${String(error)})`;
        return await this.#finishCommand(command, { error: new CommandNotSentError(this.id, action, why) });
      }
    }
    if (refusal !== null) {
      const { reason, details } = typeof refusal === "string" ? { reason: refusal, details: {} } : refusal;
      return await this.#finishCommand(command, {
        error: new CommandRefusedError(this.id, action, reason, details),
      });
    }
    if (command.log) {
      if (!await this.#logSending(command)) return;
      command.sendingStored = true;
    }
    // The socket closed while the row was written: settled as any command the close cut off.
    if (this.#stopping) {
      return await this.#finishCommand(command, {
        error: new NotConnectedError(this.id, action, "connection closed"),
      });
    }
    // Held from now until its answer (or failure) is settled in `#finishCommand` (the mailbox holds this turn
    // through the awaits above, so no other command's guard ran meanwhile).
    const holds = definition.holds?.(command.payload as never, this.deps.now().toISOString());
    if (holds) {
      (this.#reservationsInFlight ??= new Map()).set(command, holds);
      command.hold = holds;
    }
    const mark = command.sendMark;
    this.#calls.enqueue(action, command.payload, mark && (() => this.#markSent(action, mark)), command).then(
      (response) => this.#mailbox.post({ type: "commandFinished", command, outcome: { response } }),
      (error: Error) => this.#mailbox.post({ type: "commandFinished", command, outcome: { error } }),
    );
  }

  /**
   * Why a remote start for `tag` makes no sense: the station's start would not be told Accepted, or its
   * connector is reserved for another holder (`model/reservation_holder.ts`).
   */
  async #tagRefusal(tag: PresentedTag, state: Readonly<LiveRecord>): Promise<string | Refusal | null> {
    const { info, unknown } = await judgeIdTag(
      this.deps.store.decisionLookups ?? this.deps.store,
      tag.idTag,
      {
        now: this.deps.now(),
        singleUse: this.deps.settings.singleUseIdTags,
        ignoreActiveOn: {
          chargePointId: this.id,
          ...(tag.connectorId !== undefined ? { connectorId: tag.connectorId } : {}),
        },
        ...(tag.idTokenType !== undefined ? { idTokenType: tag.idTokenType } : {}),
      },
    );
    if (info.status === "Accepted") {
      return reservedForAnother(
        state,
        tag.connectorId ?? null,
        { idTag: tag.idTag, ...info },
        this.deps.now(),
      );
    }
    const unknownSaid = unknown ? " (not a known id tag)" : "";
    return `id tag "${tag.idTag}" would be answered ${info.status}${unknownSaid}: the station would not charge`;
  }

  /** Writes a command's send mark as its CALL leaves the queue; throws SendMarkError when it is not written. */
  async #markSent(action: string, mark: SendMark): Promise<void> {
    const marks = this.deps.sendMarks;
    if (!marks) throw new SendMarkError(this.id, action, "this process writes no send marks");
    let marked: boolean;
    try {
      marked = await marks.mark(this.id, mark);
    } catch (error) {
      throw new SendMarkError(this.id, action, `its send mark could not be written: ${String(error)}`);
    }
    if (!marked) {
      throw new SendMarkError(
        this.id,
        action,
        `job "${mark.jobId}" no longer has it claimed by "${mark.holder}"`,
      );
    }
  }

  /**
   * Write-ahead: the command's row, `sending`, is stored before its CALL may leave, so that a command the
   * station may act on is in the log even if this process dies before the answer (a surviving node settles
   * the row, see `settleCommandsOfLostNodes`). Not stored: not sent (the operator hears the store failed).
   */
  async #logSending(command: Command): Promise<boolean> {
    const sending: CommandLogEntry = {
      ...commandLogEntry(this.id, command, { response: null }, null, this.deps.senderId?.()),
      outcome: "sending",
    };
    let why: string;
    try {
      const result = await this.deps.store.commit({ chargePointId: this.id, commandLog: [sending] });
      if (result.ok) return true;
      why = result.conflict;
    } catch (error) {
      why = String(error);
      // The row may be stored all the same (the connection broke after PostgreSQL committed, or the commit
      // outlasted its bound and committed later): settled as not sent by the sweep, it does not stay `sending`.
      this.#keepUnsettled({
        ...sending,
        outcome: "refused",
        response: { reason: NOT_LOGGED_REASON },
        finishedAt: isoString(this.deps.now()),
      }, false);
    }
    this.log.warn("command not sent: its command log row cannot be written", { action: command.action, why });
    command.reject(new CommandNotLoggedError(this.id, command.action, why));
    return false;
  }

  /**
   * A mailbox turn: what the answer teaches the snapshot and the command log entry, in ONE commit, then the
   * operator hears the outcome. A failed commit is logged, never turned into an error for a command the
   * station did carry out.
   */
  async #finishCommand(command: Command, outcome: { response: unknown } | { error: Error }): Promise<void> {
    // Its effect, if any, puts the reservation in the snapshot in this same turn. Timed out, the station may
    // hold it: held until its answer comes late (`#settleLate`) or it expires, as the ledger holds it, and
    // written into the snapshot below, so a reconnect (which never answers this CALL) keeps holding it; once
    // written, the snapshot alone holds it (`heldInSnapshot`). So is one whose answer a close lost after it was
    // sent (`AnswerLostError`): the station may hold it as much, and its next connection never answers it.
    const unanswered = "error" in outcome &&
      (outcome.error instanceof CallTimeoutError || outcome.error instanceof AnswerLostError);
    const hold = unanswered ? this.#reservationsInFlight?.get(command) : undefined;
    if (!unanswered) this.#reservationsInFlight?.delete(command);
    const finishedAt = this.deps.now().toISOString();
    // Same id as its `sending` row, if it had one: settled in place.
    const entry = commandLogEntry(this.id, command, outcome, finishedAt, this.deps.senderId?.());
    if (command.log) this.deps.metrics?.commandFinished(command.action, entry.outcome);
    if (entry.outcome === "timeout") command.timedOut = entry;
    const changes: StationChanges = { chargePointId: this.id, commandLog: command.log ? [entry] : [] };
    const usedBefore = this.#usedBeforeAnswer;
    const used = usedBefore !== null && usedBefore.payload === command.payload ? usedBefore.actions : null;
    if (used) this.#usedBeforeAnswer = null;
    if ("response" in outcome) {
      const accepted = acceptedProfileId(command.action, command.payload, outcome.response);
      if (accepted !== null) this.#profilesSinceBoot?.add(accepted);
    }
    if ("response" in outcome && this.#record) {
      const definition = this.dialect.commands[command.action];
      this.#rememberTriggered(
        (definition?.triggers?.(command.payload as never, outcome.response as never) ?? [])
          .filter((action) => !used?.has(action)),
        this.deps.now().getTime(),
      );
      this.#letGo(definition, command, outcome.response);
      const patch = definition && await this.#effectOf(definition, command, outcome.response, finishedAt);
      if (patch) changes.snapshot = this.#withoutEnded(command, patch);
      const told = definition?.deviceModelValues?.(
        command.payload as never,
        outcome.response as never,
        finishedAt,
      );
      if (told?.length) changes.deviceModelValues = told.map((v) => ({ ...v, chargePointId: this.id }));
    }
    const held = hold && this.#record ? heldReservations(this.#current()!, hold, finishedAt) : null;
    if (held) changes.snapshot = { reservations: held };
    // Whether the snapshot holds the timed-out reservation once committed (null: it already held that id).
    let holdStored = hold === undefined || (this.#record !== null && held === null);
    try {
      if (this.#record) {
        const committed = await this.#commit(changes);
        if (committed.ok && committed.replaced) this.#keepAccepted(command, changes);
        if (hold && held && committed.ok && !committed.replaced) {
          command.heldInSnapshot = hold;
          this.#reservationsInFlight?.delete(command);
          holdStored = true;
        }
      } else await this.deps.store.commit(changes);
    } catch (error) {
      this.log.warn("cannot store a command's outcome", { action: command.action, error: String(error) });
      if (command.log) this.#keepUnsettled(entry, command.sendingStored === true);
    }
    // Not stored: the snapshot cannot tell the ledger whether the station refused it since (`#refusedBeforeHeld`).
    // (A lost answer's caller never reads the snapshot: its error says so already.)
    if (!("response" in outcome)) {
      const timedOut = outcome.error instanceof CallTimeoutError;
      command.reject(holdStored || !timedOut ? outcome.error : unheld(outcome.error as CallTimeoutError));
    } else if (!this.#tells(command)) command.resolve(outcome.response);
    else {
      // Outside the turn: the station's frames are not held up by what the answer teaches elsewhere.
      const { response } = outcome;
      void this.#tellAnswered(command, { response }, false).then(() => command.resolve(response));
    }
  }

  /**
   * A timed-out ReserveNow stays held (`#reservationsInFlight`) until its late answer or its expiry; an answer
   * showing the station holds no reservation of its id (a CancelReservation accepted or rejected: `releases`)
   * lets it go too, or the guards refused others on that connector until its expiry, cancelled in the ledger.
   * Only a timed-out one: a ReserveNow of that id still waiting for its answer (queued behind the cancel: a
   * reservation made again under its id) may yet be taken by the station.
   */
  #letGo(definition: AnyCommand | undefined, command: Command, response: unknown): void {
    const held = this.#reservationsInFlight;
    const id = held?.size ? definition?.releases?.(command.payload as never, response as never) : null;
    if (id === null || id === undefined) return;
    for (const [other, reservation] of held!) {
      if (other !== command && other.timedOut && reservation.reservationId === id) held!.delete(other);
    }
  }

  /**
   * A timed-out ReserveNow's hold goes with its reservation once the snapshot drops it (its holder used it, a
   * 2.0.1 ReservationStatusUpdate ended it, it expired): it held that very reservation, which the station no
   * longer keeps. Else the guards refused others on that connector until its expiry. A ReserveNow of that id
   * not answered yet (one replacing it, OCPP 1.6 §5.13) stays held: the station may still take it.
   */
  #releaseEnded(before: LiveRecord, after: readonly Reservation[]): void {
    const held = this.#reservationsInFlight;
    if (!held?.size || !before.reservations?.length) return;
    const kept = new Set(after.map((r) => r.reservationId));
    for (const r of before.reservations) {
      if (kept.has(r.reservationId)) continue;
      for (const [command, hold] of held) {
        if (command.timedOut && hold.reservationId === r.reservationId) held.delete(command);
      }
    }
  }

  /**
   * The station said it no longer holds reservation `id` (OCPP 2.0.1 ReservationStatusUpdate Expired or
   * Removed, a start that used it): what a ReserveNow of that id holds in memory goes, answered or not (the
   * station ended it, in whatever order its answer comes), and an Accepted coming after makes nothing
   * (`#withoutEnded`).
   */
  #endedByStationNow(id: number): void {
    const ended = this.#endedByStation ??= new Map();
    ended.delete(id);
    ended.set(id, this.deps.now().toISOString());
    if (ended.size > ENDED_BY_STATION_KEPT) ended.delete(ended.keys().next().value!);
    for (const [command, hold] of this.#reservationsInFlight ?? []) {
      if (hold.reservationId === id) this.#reservationsInFlight!.delete(command);
    }
  }

  /** Whether the station said it no longer holds `hold`'s reservation id since `hold` was asked for. */
  #endedByStationSince(hold: Reservation): boolean {
    const at = this.#endedByStation?.get(hold.reservationId);
    return at !== undefined && at >= hold.requestedAt;
  }

  /** A ReserveNow's effect without its reservation when the station said since it was sent that it ended it. */
  #withoutEnded(command: Command, patch: SnapshotPatch): SnapshotPatch {
    const hold = command.hold;
    if (!hold || !patch.reservations || !this.#endedByStationSince(hold)) return patch;
    return {
      ...patch,
      reservations: patch.reservations.filter((r) => r.reservationId !== hold.reservationId),
    };
  }

  /**
   * A ReserveNow the station accepted on this connection after a newer one replaced it (this node frozen
   * meanwhile): its write was refused, so the reservation goes to the station's current connection, whose
   * guards must hold it (the station does).
   */
  #keepAccepted(command: Command, changes: StationChanges): void {
    const id = command.hold?.reservationId;
    const reservation = changes.snapshot?.reservations?.find((r) => r.reservationId === id);
    if (!reservation || reservation.unconfirmed) return;
    this.log.info("reservation accepted on a replaced connection: kept by the current one", {
      reservationId: id,
    });
    this.hooks.onReplacedChange?.({
      change: "keepReservation",
      reservation,
      at: this.deps.now().toISOString(),
    });
  }

  #tells(command: Command): boolean {
    return command.answerEffects === true && this.deps.commandAnswered !== undefined;
  }

  /**
   * Tells `deps.commandAnswered` of a command's answer, timely or late (the one place both go through), after
   * the station's answers before it; never rejects (a failure is logged: the station did act).
   */
  #tellAnswered(
    command: Command,
    answered: { response: unknown } | { error: CallErrorResponse },
    late: boolean,
  ): Promise<void> {
    const told = this.deps.commandAnswered;
    if (!told || !command.answerEffects) return Promise.resolve();
    const answer: AnsweredCommand = {
      chargePointId: this.id,
      action: command.action,
      request: command.payload,
      response: "response" in answered ? answered.response : null,
      callError: "error" in answered
        ? { errorCode: answered.error.errorCode, errorDescription: answered.error.errorDescription }
        : null,
      requestedBy: command.requestedBy,
      requestedAt: command.requestedAt,
      dialect: this.dialect.protocol.subprotocol,
      late,
      callerRecords: command.answerEffects === "late",
      recordsAsked: command.recordsAsked ?? null,
    };
    const next = (this.#answersTold ?? Promise.resolve()).then(() => told(answer)).catch((error) =>
      this.log.warn("cannot record what a command's answer taught", {
        action: command.action,
        late,
        error: String(error),
      })
    ).finally(() => {
      if (this.#answersTold === next) this.#answersTold = null;
    });
    this.#answersTold = next;
    return next;
  }

  /** `rowStored`: the command went out, so its `sending` row is stored (see `UnsettledOutcomes`). */
  #keepUnsettled(entry: CommandLogEntry, rowStored: boolean): void {
    const before = this.#unsettled.dropped;
    this.#unsettled.keep(entry, rowStored);
    this.#warnFirstDrop(before);
    this.#unsettledRetryAtMs = this.deps.now().getTime() + UNSETTLED_RETRY_MS;
  }

  /** The first outcome dropped in an episode of a failing store is told at once; the rest at its end. */
  #warnFirstDrop(droppedBefore: number): void {
    if (droppedBefore > 0 || this.#unsettled.dropped === 0) return;
    this.log.warn("command outcomes dropped: too many wait for the store", { kept: this.#unsettled.max });
  }

  /** Writes the outcomes whose write failed (their rows only: what an answer taught the snapshot is not kept). */
  async #settleAgain(): Promise<void> {
    const taken = this.#unsettled.take();
    try {
      await this.deps.store.commit({ chargePointId: this.id, commandLog: taken.map((w) => w.entry) });
    } catch (error) {
      this.log.warn("cannot store commands' outcomes", { commands: taken.length, error: String(error) });
      const before = this.#unsettled.dropped;
      this.#unsettled.keepAgain(taken);
      this.#warnFirstDrop(before);
      this.#unsettledRetryAtMs = this.deps.now().getTime() + UNSETTLED_RETRY_MS;
      return;
    }
    // The end of the episode: what it could not keep, in one line.
    this.#tellDrops();
  }

  /** The outcomes dropped since the last such line, in one line (none: no line). */
  #tellDrops(): void {
    const dropped = this.#unsettled.dropped;
    if (dropped === 0) return;
    this.log.warn("command outcomes dropped while the store failed", { dropped });
    this.#unsettled.droppedTold();
  }

  /** What a command's answer teaches the snapshot; null when its details cannot be read (logged). */
  async #effectOf(
    definition: AnyCommand,
    command: Command,
    response: unknown,
    at: string,
  ): Promise<SnapshotPatch | null> {
    if (!definition.detailedEffect) {
      return definition.effect?.(this.#current()!, command.payload as never, response as never, at) ?? null;
    }
    try {
      const details = await this.#details();
      return definition.detailedEffect(
        withDetails(this.#current()!, details),
        command.payload as never,
        response as never,
        at,
      );
    } catch (error) {
      this.log.warn("cannot read the station's details for a command's answer", {
        action: command.action,
        error: String(error),
      });
      return null;
    }
  }

  #handleResponse(
    frame: CallResultFrame | CallErrorFrame,
    mayHaveBadText: boolean,
  ): Promise<void> | undefined {
    const call = this.#calls.settle(frame.messageId);
    if (!call) {
      const late = this.#calls.settleLate(frame.messageId);
      if (late) return this.#handleLateResponse(late, frame, mayHaveBadText);
      this.#warnNoisy("response to unknown message id dropped", { messageId: frame.messageId });
      return;
    }
    if (frame.type === CALLERROR) {
      // What a station answers may be logged and stored: no text a store cannot keep (see #withoutBadText).
      const { errorCode, errorDescription, errorDetails } = mayHaveBadText ? replaceBadText(frame) : frame;
      call.reject(new CallErrorResponse(this.id, call.action, errorCode, errorDescription, errorDetails));
      return;
    }
    const payload = mayHaveBadText ? replaceBadText(frame.payload) : frame.payload;
    if (!hasAction(this.dialect.protocol.actions, call.action)) {
      call.resolve(payload);
      return;
    }
    const validated = validateMessage(this.dialect.protocol, "response", call.action, payload);
    if (!validated.ok) {
      call.reject(new InvalidResponseError(this.id, call.action, validated.description));
      return;
    }
    call.resolve(validated.value);
  }

  /**
   * The station answered a call after it timed out: its caller already heard of the timeout, but what the
   * station did still counts: what the answer teaches the snapshot is applied as for a timely one (a
   * configuration key it changed), someone else may record it (a certificate it installed,
   * `deps.lateAnswers`), what it teaches beyond the record is told as a timely one's is (`deps.commandAnswered`:
   * stored charging profiles, the managed local list), and the command's row records the answer beside its
   * `timeout` (`CommandLogEntry.lateAnswer`).
   */
  #handleLateResponse(
    call: { action: string; payload: unknown; tag: unknown },
    frame: CallResultFrame | CallErrorFrame,
    mayHaveBadText: boolean,
  ): Promise<void> | undefined {
    this.log.info("late answer to a timed-out call", { action: call.action, messageId: frame.messageId });
    let outcome: { response: unknown } | { error: Error };
    if (frame.type === CALLERROR) {
      const { errorCode, errorDescription, errorDetails } = mayHaveBadText ? replaceBadText(frame) : frame;
      outcome = {
        error: new CallErrorResponse(this.id, call.action, errorCode, errorDescription, errorDetails),
      };
    } else {
      const payload = mayHaveBadText ? replaceBadText(frame.payload) : frame.payload;
      const validated = hasAction(this.dialect.protocol.actions, call.action)
        ? validateMessage(this.dialect.protocol, "response", call.action, payload)
        : { ok: true as const, value: payload };
      outcome = validated.ok
        ? { response: validated.value }
        : { error: new InvalidResponseError(this.id, call.action, validated.description) };
    }
    this.deps.lateAnswers?.(this.id, { action: call.action, payload: call.payload }, outcome);
    return this.#settleLate(call.tag as Command | undefined, outcome);
  }

  /**
   * Writes a late answer onto its command's row, which keeps its `timeout` (the store adds it to a `timeout`
   * row without one: a retried write changes nothing), in one commit with what the answer teaches the
   * snapshot. A command its caller logs itself (`log: false`) has no row of ours: the late answer is only in
   * the process log. A failed write is retried by the sweep (the row only, as for a timely answer).
   */
  async #settleLate(
    command: Command | undefined,
    outcome: { response: unknown } | { error: Error },
  ): Promise<void> {
    if (!command) return;
    // A reservation its timeout held: the answer settles it (Accepted: in the snapshot below, in this turn;
    // a refusal or a CALLERROR takes the hold its timeout wrote out of the snapshot, an unreadable answer
    // leaves it, what the station did still unknown).
    const hold = this.#reservationsInFlight?.get(command) ?? command.heldInSnapshot;
    this.#reservationsInFlight?.delete(command);
    const at = this.deps.now().toISOString();
    const changes: StationChanges = { chargePointId: this.id, commandLog: [] };
    const entry = command.log ? this.#lateEntry(command, outcome, at) : null;
    if (entry) changes.commandLog = [entry];
    if ("response" in outcome) {
      const accepted = acceptedProfileId(command.action, command.payload, outcome.response);
      if (accepted !== null) this.#profilesSinceBoot?.add(accepted);
    }
    if ("response" in outcome && this.#record) {
      const definition = this.dialect.commands[command.action];
      this.#letGo(definition, command, outcome.response);
      const patch = definition && await this.#effectOf(definition, command, outcome.response, at);
      if (patch) changes.snapshot = this.#withoutEnded(command, patch);
      const told = definition?.deviceModelValues?.(command.payload as never, outcome.response as never, at);
      if (told?.length) changes.deviceModelValues = told.map((v) => ({ ...v, chargePointId: this.id }));
    }
    if (hold && this.#record && !changes.snapshot && refused(outcome)) {
      const released = releasedReservations(this.#current()!, hold);
      if (released) changes.snapshot = { reservations: released };
    }
    if (entry || changes.snapshot || changes.deviceModelValues) {
      try {
        if (this.#record) {
          const committed = await this.#commit(changes);
          if (committed.ok && committed.replaced) this.#keepAccepted(command, changes);
        } else {
          const result = await this.deps.store.commit(changes);
          if (!result.ok) throw new Error(result.conflict);
        }
      } catch (error) {
        this.log.warn("cannot store a late answer", { action: command.action, error: String(error) });
        if (entry) this.#keepUnsettled(entry, true);
      }
    }
    // As a timely answer's, outside the turn; once, as `settleLate` gives the call once. A CALLERROR too: the
    // station did not carry it out, which its caller, told of the timeout, could not learn (a key or raise left
    // pending, a raise recorded first). Not an invalid answer: what the station did is still unknown.
    if ("response" in outcome) void this.#tellAnswered(command, { response: outcome.response }, true);
    else if (outcome.error instanceof CallErrorResponse) {
      void this.#tellAnswered(command, { error: outcome.error }, true);
    }
  }

  /** The command's `timeout` row with the late answer beside it. */
  #lateEntry(
    command: Command,
    outcome: { response: unknown } | { error: Error },
    at: string,
  ): CommandLogEntry {
    // Its timeout's write is in the mailbox ahead of this frame, so `timedOut` is set; else settled as it would be.
    const timedOut = command.timedOut ?? commandLogEntry(
      this.id,
      command,
      { error: new CallTimeoutError(this.id, command.action, this.deps.settings.callTimeoutMs) },
      at,
      this.deps.senderId?.(),
    );
    const answered = commandLogEntry(this.id, command, outcome, at);
    const lateAnswer: LateAnswer = {
      outcome: answered.outcome === "callerror" || answered.outcome === "invalid"
        ? answered.outcome
        : "accepted",
      response: answered.response,
      at,
    };
    return { ...timedOut, lateAnswer };
  }

  /** A CALLERROR frame with `code` as the station's dialect spells it. */
  #callError(messageId: string, code: OcppErrorCode, description: string, details?: Record<string, unknown>) {
    return encodeCallError(messageId, wireErrorCode(this.dialect.protocol, code), description, details);
  }

  #send(text: string): void {
    if (this.socket.readyState !== OPEN) {
      this.log.debug("frame not sent: socket not open", { length: text.length });
      return;
    }
    this.deps.frames.record(this.id, "out", text, this.deps.now());
    this.socket.send(text);
  }

  #crashed(error: unknown, message: Message): void {
    // A crash becomes a log line and a closed connection, never a dead process.
    this.log.error("actor crashed", { error: String(error), during: message.type });
    this.close(CLOSE_CODES.internalError, "Internal error");
    this.#settleCrashed(error, message);
  }

  /** Whoever waits on the message that crashed hears now, rather than never (an operator's HTTP request). */
  #settleCrashed(error: unknown, message: Message): void {
    switch (message.type) {
      case "sendCommand":
      case "commandFinished": {
        // What the station answered stands (it did carry the command out); a command that never went out
        // was cut off by the connection the crash closed.
        const outcome = message.type === "commandFinished" ? message.outcome : {
          error: new NotConnectedError(
            this.id,
            message.command.action,
            "connection closed by an internal error",
          ),
        };
        this.#logCrashedCommand(message.command, outcome);
        if ("response" in outcome) message.command.resolve(outcome.response);
        else message.command.reject(outcome.error);
        return;
      }
      case "updateSnapshot":
        message.reject(error);
        return;
      case "stop":
        // The registry must still hear, or the station could never connect again.
        if (!this.#stopped) {
          this.#stopped = true;
          this.#mailbox.post({ type: "stopped" });
        }
        return;
    }
  }

  /** The command log entry of a command whose turn crashed: without what its answer would teach. */
  #logCrashedCommand(command: Command, outcome: { response: unknown } | { error: Error }): void {
    if (!command.log) return;
    try {
      const entry = commandLogEntry(
        this.id,
        command,
        outcome,
        this.deps.now().toISOString(),
        this.deps.senderId?.(),
      );
      this.deps.store.commit({ chargePointId: this.id, commandLog: [entry] }).catch((error) =>
        this.log.warn("cannot store a command's outcome", { action: command.action, error: String(error) })
      );
    } catch (error) {
      this.log.warn("cannot log a command's outcome", { action: command.action, error: String(error) });
    }
  }
}

/**
 * The command log entry of a command's outcome (every command lands in the log, sent or not): under the
 * command's `logId` when it has one (it settles that row), by `nodeId` (the process that sends its CALL).
 */
export function commandLogEntry(
  chargePointId: string,
  command: Pick<Command, "action" | "payload" | "requestedBy" | "requestedAt"> & {
    logId?: string | undefined;
  },
  outcome: { response: unknown } | { error: Error },
  finishedAt: string | null,
  nodeId?: string,
): CommandLogEntry {
  const base = {
    id: command.logId ?? crypto.randomUUID(),
    chargePointId,
    action: command.action,
    // Secrets (an AuthorizationKey sent with ChangeConfiguration) never reach the log that viewers read.
    payload: redactSecrets(command.payload),
    requestedBy: command.requestedBy,
    requestedAt: command.requestedAt,
    finishedAt,
    ...(nodeId === undefined ? {} : { nodeId }),
  };
  if ("response" in outcome) {
    return { ...base, outcome: "accepted", response: redactSecrets(outcome.response) };
  }
  return {
    ...base,
    ...(loggedCommandOutcome(outcome.error) ?? { outcome: "not_connected", response: null }),
  };
}

function tooBig(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only count bytes when it could matter.
  return text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes;
}

/** Whether a late answer says the station did not carry the command out: a CALLERROR, or not Accepted. */
function refused(outcome: { response: unknown } | { error: Error }): boolean {
  if (!("response" in outcome)) return outcome.error instanceof CallErrorResponse;
  return (outcome.response as { status?: unknown } | null)?.status !== "Accepted";
}

/** Whether two reservations hold the same connector for the same holder under one id (counted once). */
function sameHold(a: Reservation, b: Reservation): boolean {
  return a.reservationId === b.reservationId && a.connectorId === b.connectorId && a.idTag === b.idTag &&
    (a.parentIdTag ?? null) === (b.parentIdTag ?? null);
}

/** A ReserveNow's timeout whose hold the snapshot did not take, with the timeout's own message. */
function unheld(timedOut: CallTimeoutError): UnheldTimeoutError {
  const error = new UnheldTimeoutError(timedOut.chargePointId, timedOut.action, 0);
  error.message = `${timedOut.message} (its hold was not stored)`;
  return error;
}

/** An accepted BootNotification the station sent of itself (a triggered one is no reboot: OCPP 1.6 §5.17). */
function isReboot(event: StationEvent): boolean {
  return event.type === "boot" && event.registrationStatus === "Accepted" && event.triggered !== true;
}

/**
 * What an operator hears when the write of their change failed: the store could not take it (503
 * store_unavailable), whatever it threw, its words kept in the message; nothing of the change was done.
 */
function operatorWriteFailed(chargePointId: string, error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(`Cannot write the change of "${chargePointId}": ${String(error)}`, {
    cause: error,
  });
}

/** The protocol errors base of a record as a store read it (none: a new station's). */
function baseOf(stored: ChargePointRecord | null): ProtocolErrorsBase {
  return { epoch: protocolErrorsEpochOf(stored), count: stored?.protocolErrors?.count ?? 0 };
}

/**
 * `before`, the snapshot an operator's change was computed from, as the change found it in the store: when the
 * change cleared protocol errors whose base a clear elsewhere had cleared already (the epoch moved), without
 * those, so the operator hears what this clear cleared (maybe nothing), never the other's errors again.
 */
function clearedBefore(
  before: LiveRecord,
  patch: SnapshotPatch,
  base: ProtocolErrorsBase,
  committed: CommitResult,
): LiveRecord {
  if (patch.protocolErrors !== null || !committed.ok || committed.protocolErrorsEpoch === undefined) {
    return before;
  }
  if (committed.protocolErrorsEpoch === epochAfterWrite(null, base.epoch)) return before;
  return { ...before, protocolErrors: withoutFirst(before.protocolErrors ?? null, base.count) };
}
