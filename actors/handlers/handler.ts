/**
 * A handler decides what one CALL a station sent means; it does no I/O. It gets the actor's snapshot, the
 * validated request and its context (the receive time, settings, read-only lookups) and returns the answer,
 * the changes to store, the events to publish and the lines to log. The actor shell does the rest: it commits
 * the changes in ONE store call (with lastSeen when due), publishes, logs, and only then answers the station.
 *
 * A handler may throw `OcppError` to answer with a CALLERROR; it never writes, never logs, never reads a clock.
 */
import type { LogFields, LogLevel } from "../../logger.ts";
import type { LiveRecord, Reservation, StationDetails } from "../../model/charge_point.ts";
import type { StationChanges } from "../../model/changes.ts";
import type { Lookups } from "../../model/lookups.ts";
import type { SecurityEventKind } from "../../store/security_events.ts";
import type { SecurityProfile } from "../../store/station_security.ts";
import type { CpToCsAction, RequestOf, ResponseOf } from "../../protocol/ocpp16/mod.ts";
import type { ActorSettings } from "../deps.ts";
import type { StationEvent } from "../events.ts";
import type { DataTransferDesk, VendorTable } from "./data_transfer.ts";

export interface HandlerContext {
  readonly chargePointId: string;
  /**
   * The security profile the station gate let this connection in at: 0 no authentication at all (anyone may
   * claim the id), 1-2 HTTP Basic with the station's AuthorizationKey, 3 a client certificate for the id.
   */
  readonly securityProfile: SecurityProfile;
  /** When the CALL was received: the handler's only clock. */
  readonly now: Date;
  /** The CALL's message id (a report without a timestamp is named by it: `model/status_history.ts`). */
  readonly messageId?: string;
  /**
   * We asked the station for this CALL: a trigger it accepted on this connection, recently, asked for its
   * action, or one we sent and it has not answered yet does (a station may send what we asked for first).
   */
  readonly triggered?: boolean;
  readonly settings: ActorSettings;
  readonly lookups: Lookups;
  /** Vendor-specific DataTransfer handlers. */
  readonly vendors: VendorTable;
  /** Answers DataTransfer by operators' rules and keeps every message; absent: UnknownVendorId, nothing kept. */
  readonly dataTransfers?: DataTransferDesk | undefined;
  /** Checks a CSR before SignCertificate is answered; absent: this Central System signs no certificates. */
  readonly csr?: CsrChecker | undefined;
  /** The station's details (configuration, charging reports): `state` does not hold them. */
  readonly details: () => Promise<StationDetails>;
  /**
   * The reservations of ReserveNow commands still waiting for their answer (`state` lacks them): the station
   * may hold, and use, one before its Accepted is recorded.
   */
  readonly reservationsAsked?: readonly Reservation[];
}

/**
 * Checks a station's certificate signing request (the station PKI does it; a fake in tests). It reads no
 * clock and writes nothing: signing happens after the answer, as a follow-up.
 */
export interface CsrChecker {
  check(
    csr: string,
    expect: { chargePointId: string; cpoName: string | null },
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/** A security event the handler's CALL is (a station's own report, a refused CSR), for the security log. */
export interface HandlerSecurityEvent {
  kind: SecurityEventKind;
  reason: string;
}

/** Work the shell starts after the station has its answer (never awaited by the station's turn). */
export type FollowUp = { type: "signCertificate"; csr: string; cpoName: string | null };

/** A line for the actor's log (it adds the charge point id). */
export interface LogLine {
  level: LogLevel;
  msg: string;
  fields?: LogFields;
}

/** What a station's CALL changes, for the shell to commit (it fills in the station id and, when due, lastSeen). */
export type Changes = Omit<StationChanges, "chargePointId">;

export interface HandlerResult<R> {
  response: R;
  changes?: Changes;
  /** Published after the commit. */
  events?: StationEvent[];
  /** Written after the commit. */
  log?: LogLine[];
  /** Stored in the security event log after the commit, before the answer. */
  securityEvents?: HandlerSecurityEvent[];
  /** Started after the answer is sent. */
  followUps?: FollowUp[];
  /**
   * Reservation ids the station no longer holds by this CALL (it ended one, a start used one), remembered by
   * the shell after the commit: a ReserveNow of that id sent before, answered Accepted after, holds nothing.
   */
  reservationsEnded?: number[];
}

/** One handler per CP->CS action of OCPP 1.6. */
export type Handler<A extends CpToCsAction> = (
  state: Readonly<LiveRecord>,
  request: RequestOf<A>,
  ctx: HandlerContext,
) => HandlerResult<ResponseOf<A>> | Promise<HandlerResult<ResponseOf<A>>>;

/** Any dialect's handler, as the shell calls it (the dialect's table pairs each action with its own). */
export type AnyHandler = (
  state: Readonly<LiveRecord>,
  request: never,
  ctx: HandlerContext,
) => HandlerResult<unknown> | Promise<HandlerResult<unknown>>;
