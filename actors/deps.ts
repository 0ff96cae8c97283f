/**
 * What the actors get from the composition root: the store (through its interface only), the logger, the
 * event bus, the frame log, the clock and id source (injected so tests are deterministic), and settings.
 */
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { RegistrationStatus } from "../protocol/ocpp16/enums.ts";
import type { Store } from "../store/mod.ts";
import type { EventBus } from "./events.ts";
import type { FrameLog } from "./frame_log.ts";
import type { DataTransferDesk, VendorTable } from "./handlers/data_transfer.ts";
import type { CsrChecker, FollowUp } from "./handlers/handler.ts";
import type { SecurityEventKind } from "../store/security_events.ts";
import type { SendMarks } from "./send_marks.ts";
import type { Reservation } from "../model/charge_point.ts";

export interface ActorSettings {
  /** What BootNotification answers a station not yet Accepted. */
  registrationPolicy: RegistrationStatus;
  heartbeatIntervalS: number;
  bootRetryIntervalS: number;
  callTimeoutMs: number;
  maxFrameBytes: number;
  /** The limit for the dialect's transaction messages, when above maxFrameBytes (MAX_TRANSACTION_FRAME_BYTES). */
  maxTransactionFrameBytes?: number;
  maxBadFrames: number;
  /** The bad frames counted towards maxBadFrames leak maxBadFrames per this many ms (BAD_FRAMES_WINDOW_S). */
  badFramesWindowMs: number;
  singleUseIdTags: boolean;
  /**
   * lastSeen alone (a Heartbeat, a MeterValues) is written at most this often per station; with a snapshot
   * write it is always written. Default 5,000 (LAST_SEEN_INTERVAL_S).
   */
  lastSeenIntervalMs?: number;
}

export interface ActorDeps {
  store: Store;
  logger: Logger;
  events: EventBus;
  frames: FrameLog;
  now: () => Date;
  /**
   * This process's own clock for intervals (ms, never set back, no other node's stamp: `performance.now()` when
   * absent). A wall time stored by another node may be ahead of ours; an interval measured from it lasts longer.
   */
  monotonicMs?: () => number;
  newMessageId: () => string;
  settings: ActorSettings;
  vendors: VendorTable;
  /** Answers and keeps DataTransfer messages (fleet/data_transfers.ts); absent: UnknownVendorId, none kept. */
  dataTransfers?: DataTransferDesk;
  /** Told how each CALL was answered and how long it took; none in most tests. */
  metrics?: Metrics;
  /**
   * True while the store refuses every write (store/write_health.ts logs that episode once): a CALL failed
   * meanwhile is logged at debug, not once per CALL. Absent: each failed CALL is an error line.
   */
  storeWritesFailing?: () => boolean;
  /** The security event log (security/security_events.ts): where handlers' security events go. */
  securityEvents?: SecurityEventSink;
  /** A station's quota in that log (security/station_event_quota.ts); absent: every event is stored. */
  securityEventQuota?: SecurityEventQuota;
  /**
   * The decommissioned stations this process knows of (security/shut_out.ts): an actor that refuses one
   * teaches it, so its next handshake is refused before upgrading; and which refusals are reported (a warning
   * and a security event), one per station per window. Absent: every refusal reported, none before upgrading.
   */
  shutOut?: { learn(id: string): void; due(id: string, nowMs: number): boolean };
  /** Checks CSRs for SignCertificate (the station PKI); absent: SignCertificate is answered Rejected. */
  csr?: CsrChecker;
  /**
   * The id of this process (its cluster node's): written on the command log rows it sends, so that a surviving
   * node can settle them should it die. Absent in most tests.
   */
  senderId?: () => string;
  /** Runs the work handlers ask for after their answer (signing a CSR, sending CertificateSigned). */
  followUps?: (chargePointId: string, followUp: FollowUp) => Promise<void>;
  /** Where a command that asks for it (`CallOptions.sendMark`) is marked sent; absent: such a command never goes. */
  sendMarks?: SendMarks;
  /**
   * Told of an answer that came after its call timed out (a station slow to install a certificate): the
   * caller heard of the timeout, but the station did answer. Absent: late answers are only logged.
   */
  lateAnswers?: (
    chargePointId: string,
    call: { action: string; payload: unknown },
    outcome: { response: unknown } | { error: Error },
  ) => void;
  /**
   * What a command's answer teaches beyond the station's record (stored charging profiles, the managed local
   * list: `command_answers.ts`), for a command sent with `CallOptions.answerEffects`: told once per answer,
   * timely or late (a CALLERROR only late: `AnsweredCommand.callError`), by the node holding the station, in
   * the order the station answered; a timely answer's caller hears it after this is done. Absent: nothing
   * beyond the record.
   */
  commandAnswered?: (answer: AnsweredCommand) => Promise<void>;
  /**
   * The reservation ledger's holds of a station (ReserveNow commands it never answered: the station may hold
   * them), read by the guards of the commands a reservation refuses, beside the snapshot's: the snapshot may
   * lack one, its timeout's write kept out by a newer connection (the station moved to this node meanwhile) or
   * failed. Absent: the snapshot alone.
   */
  ledgerHolds?: (chargePointId: string) => Promise<Reservation[]>;
}

/**
 * A command the station answered (`ActorDeps.commandAnswered`): with a CALLRESULT, timely or late, or with a
 * CALLERROR after its timeout (`callError`; a timely one is its caller's, which heard it).
 */
export interface AnsweredCommand {
  chargePointId: string;
  action: string;
  request: unknown;
  response: unknown;
  requestedBy: string;
  /**
   * The station's CALLERROR, late only: it did not carry the command out, as when it answers one in time (its
   * caller heard of the timeout instead); `response` is null then.
   */
  callError: { errorCode: string; errorDescription: string } | null;
  /**
   * When it was asked for (the holding node's clock): not to be compared with a time another node wrote
   * (`recordsAsked` instead).
   */
  requestedAt: string;
  /** The station's subprotocol (`ocpp1.6`, `ocpp2.0.1`): the shape of `request` and `response`. */
  dialect: string;
  /** After its timeout: its caller heard of the timeout (`OutgoingCalls.settleLate`). */
  late: boolean;
  /**
   * Its caller records what a timely answer teaches itself (`CallOptions.answerEffects` `"late"`, load
   * management's own profiles): told only when late, what it teaches is judged against that caller's record.
   */
  callerRecords: boolean;
  /** What its caller's records held when it asked (`CallOptions.recordsAsked`), or null. */
  recordsAsked: Readonly<Record<string, string>> | null;
}

/** The part of the security event log the actors use: record, then flush to have it stored. */
export interface SecurityEventSink {
  record(
    event: { kind: SecurityEventKind; chargePointId: string; reason: string; remoteAddress?: string },
  ): unknown;
  /**
   * A station's own event, with the id of its CALL that caused it: true once stored, false when the store
   * holds that CALL's same event already (sent again after its answer was lost: to any node, after any
   * restart). Settles with the write that holds it (`flush()` to wait for it).
   */
  recordOnce(
    event: { kind: SecurityEventKind; chargePointId: string; reason: string; messageId: string },
  ): Promise<boolean>;
  /** Whether the store holds this event of the station's CALL already. */
  hasEventOf(
    event: { kind: SecurityEventKind; chargePointId: string; reason: string; messageId: string },
  ): Promise<boolean>;
  /** Resolves once everything recorded is stored; rejects when the store fails. */
  flush(): Promise<void>;
  /**
   * Takes back the `recordOnce` events of a station's CALL not stored yet (settled false): its turn failed, and
   * the station sends the CALL again under a new id. Absent: they stay queued (and may be stored twice).
   */
  withdraw?(chargePointId: string, messageId: string): number;
}

/** Which of a station's security events are stored, and which only counted (it is over its quota). */
export interface SecurityEventQuota {
  /**
   * True: store it; false: the station is over its quota, the event is counted for its drop report unless
   * `alreadyStored` (asked only then) says it was stored already.
   */
  admit(
    chargePointId: string,
    event: { kind: SecurityEventKind; reason: string },
    alreadyStored?: () => Promise<boolean>,
  ): Promise<boolean>;
  /** An admitted event the log refused as stored already: not counted after all. */
  refund(chargePointId: string, event: { kind: SecurityEventKind }): void;
  /** Its actor stopped: its count is read again from the shared log, wherever it reconnects. */
  left(chargePointId: string): void;
}
