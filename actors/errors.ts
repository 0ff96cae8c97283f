/** Typed errors of CS->CP calls; routes map them to HTTP statuses. */
import { redactSecrets } from "../protocol/ocppj/secret_values.ts";
import { type CommandLogEntry, NODE_LOST_RESPONSE } from "../model/command_log.ts";

export class NotConnectedError extends Error {
  override name = "NotConnectedError";
  constructor(readonly chargePointId: string, action: string, why = "not connected") {
    super(`Cannot send "${action}" to "${chargePointId}": ${why}`);
  }
}

/**
 * In a cluster: the command never reached the node holding the station (that node died before taking it from
 * its inbox, or the bus failed), so the station cannot have acted on it. Not connected, as far as an operator
 * or a job can tell; the node that tried logs it, since the owner never saw it.
 */
/**
 * In a cluster: the node holding the station is alive (its lease runs) but did not answer a request in time
 * (stalled, overloaded): whatever it was asked may still happen there.
 */
export class NodeTimeoutError extends Error {
  override name = "NodeTimeoutError";
  constructor(readonly nodeId: string, request: string, timeoutMs: number) {
    super(`Node "${nodeId}" did not answer "${request}" within ${timeoutMs} ms: it may still act on it`);
  }
}

/**
 * In a cluster: the node holding the station runs a version that does not know the request (a rolling
 * upgrade: a request a newer node added). Nothing was done; it can be done once that node is upgraded.
 */
export class NodeOutdatedError extends Error {
  override name = "NodeOutdatedError";
  constructor(message: string) {
    super(message);
  }
}

/** The message a node answers a request it does not know with (kept: older nodes answer with this text). */
export function unknownRequestMessage(op: string): string {
  return `Unknown cluster request "${op}"`;
}

export class NotDeliveredError extends NotConnectedError {
  override name = "NotDeliveredError";
}

/**
 * The CALL went out and its answer cannot come any more (the connection closed, or in a cluster the node
 * holding it stopped answering): the station may have acted on it (a Reset, a RemoteStart), so this is no "not
 * connected" an operator or a job would simply send again.
 */
export class AnswerLostError extends Error {
  override name = "AnswerLostError";
  constructor(
    readonly chargePointId: string,
    readonly action: string,
    why = "its connection closed before it answered",
  ) {
    super(`"${chargePointId}" was sent "${action}" but ${why}: it may have acted on it`);
  }
}

/**
 * In a cluster: the node holding the station took the command and died before answering (its lease ran out).
 * As an answer lost on a closed connection; the node that tried logs it, since the owner never will.
 */
export class NodeLostError extends AnswerLostError {
  override name = "NodeLostError";
}

/**
 * What a command needed before its CALL could leave was not had (the store failed a lookup its check needs or
 * its command log row, or its send mark was not written): it never reached the station, so sending it again
 * (once the store answers; a job's task by whoever holds it) cannot make the station act twice.
 */
export class CommandNotSentError extends Error {
  override name = "CommandNotSentError";
  constructor(readonly chargePointId: string, readonly action: string, why: string) {
    super(`Not sending "${action}" to "${chargePointId}": ${why}`);
  }
}

/**
 * A CALL that had to be marked sent before it left (`CallOptions.sendMark`, a job's task) and was not: the mark
 * was refused (its sender no longer holds the task), failed, or took the whole call timeout. It never went out.
 */
export class SendMarkError extends CommandNotSentError {
  override name = "SendMarkError";
}

export class CallTimeoutError extends Error {
  override name = "CallTimeoutError";
  constructor(readonly chargePointId: string, readonly action: string, timeoutMs: number) {
    super(`"${chargePointId}" did not answer "${action}" within ${timeoutMs} ms`);
  }
}

/**
 * In a cluster: the node that asked stopped waiting for the station's node (its bound, twice the call timeout
 * and 5 s) while the command may still be queued there, unsent, or sent and not answered yet: that node, not
 * this one, settles it, and no timeout of the station's live connection (nor the hold it writes) is known yet.
 * A timeout to an operator (504), told apart by the fleet (`failedCommandOutcome` gives its reason).
 */
export class CommandGivenUpError extends CallTimeoutError {
  override name = "CommandGivenUpError";
}

/**
 * A ReserveNow that timed out on the station's live connection whose hold (`model/reservation_hold.ts`) was not
 * written into the snapshot (the write failed, or a newer connection had replaced the record): the snapshot
 * cannot tell whether the station refused it since. A timeout to an operator, told apart by the ledger.
 */
export class UnheldTimeoutError extends CallTimeoutError {
  override name = "UnheldTimeoutError";
}

/** The station answered our CALL with a CALLERROR; its code is kept as sent. */
export class CallErrorResponse extends Error {
  override name = "CallErrorResponse";
  constructor(
    readonly chargePointId: string,
    readonly action: string,
    readonly errorCode: string,
    readonly errorDescription: string,
    readonly errorDetails: unknown,
  ) {
    super(`"${chargePointId}" answered "${action}" with ${errorCode}: ${errorDescription}`);
  }
}

/** The station's CALLRESULT did not match the action's response schema. */
export class InvalidResponseError extends Error {
  override name = "InvalidResponseError";
  constructor(readonly chargePointId: string, readonly action: string, readonly reason: string) {
    super(`"${chargePointId}" answered "${action}" with an invalid payload: ${reason}`);
  }
}

/**
 * The command could not be written to the command log before it was to leave (the store failed): it was not
 * sent, since no row would tell the operator it may have reached the station.
 */
export class CommandNotLoggedError extends CommandNotSentError {
  override name = "CommandNotLoggedError";
  constructor(chargePointId: string, action: string, why: string) {
    super(chargePointId, action, `the command log cannot be written (${why})`);
  }
}

/** The state machine says the command makes no sense now; the operator may insist with `force`. */
export class CommandRefusedError extends Error {
  override name = "CommandRefusedError";
  constructor(
    readonly chargePointId: string,
    readonly action: string,
    readonly reason: string,
    /** What the refusal names, for the operator's tools (e.g. the reservation a connector holds). */
    readonly details: Record<string, unknown> = {},
    /** Whether force would send it: not a payload the station's schema refuses. */
    forceable = true,
  ) {
    const hint = forceable ? " (use force to send anyway)" : "";
    super(`Not sending "${action}" to "${chargePointId}": ${reason}${hint}`);
  }
}

/** Why a `timeout` outcome is no station timeout on its live connection: the asking node gave up waiting. */
export const GIVEN_UP_REASON = "the asking node stopped waiting for the station's node: it may still send it";
/** Why a ReserveNow's `timeout` left the snapshot without its hold. */
export const UNHELD_REASON = "the station did not answer in time and its hold was not stored in its snapshot";

/**
 * How a failed command is written in the command log: as `failedCommandOutcome`, but a command whose node
 * was lost after it took it is `unknown` (NODE_LOST_RESPONSE), an outcome the node, should it come back with
 * the station's answer, still replaces (`outcomeRank`).
 */
export function loggedCommandOutcome(
  error: unknown,
): { outcome: CommandLogEntry["outcome"]; response: unknown } | null {
  if (error instanceof NodeLostError) return { outcome: "unknown", response: NODE_LOST_RESPONSE };
  // Never sent (a job's task its runner no longer holds, a mark or a check the store failed): the log says why.
  if (error instanceof CommandNotSentError) {
    return { outcome: "not_connected", response: { reason: error.message } };
  }
  return failedCommandOutcome(error);
}

/**
 * How a failed command ends a fleet task (and, but for a lost node, in the command log): its outcome and what stands in for the station's
 * answer; null for an error that is none of the above (it is not logged as a command outcome).
 */
export function failedCommandOutcome(
  error: unknown,
): { outcome: Exclude<CommandLogEntry["outcome"], "sending" | "unknown">; response: unknown } | null {
  if (error instanceof NotConnectedError) return { outcome: "not_connected", response: null };
  if (error instanceof CommandRefusedError) {
    return { outcome: "refused", response: { ...error.details, reason: error.reason } };
  }
  // Checked before their parent: a response that is not null says no hold of a live timeout was written.
  if (error instanceof CommandGivenUpError) {
    return { outcome: "timeout", response: { reason: GIVEN_UP_REASON } };
  }
  if (error instanceof UnheldTimeoutError) {
    return { outcome: "timeout", response: { reason: UNHELD_REASON } };
  }
  if (error instanceof CallTimeoutError) return { outcome: "timeout", response: null };
  // The answer is as unknown as a late one's: the log says why.
  if (error instanceof NodeLostError) {
    return {
      outcome: "timeout",
      response: { reason: "its node stopped answering after it took the command" },
    };
  }
  if (error instanceof AnswerLostError) {
    return { outcome: "timeout", response: { reason: "connection closed after the command was sent" } };
  }
  if (error instanceof CallErrorResponse) {
    return {
      outcome: "callerror",
      response: redactSecrets({
        errorCode: error.errorCode,
        errorDescription: error.errorDescription,
        errorDetails: error.errorDetails,
      }),
    };
  }
  if (error instanceof InvalidResponseError) {
    return { outcome: "invalid", response: { reason: error.reason } };
  }
  return null;
}
