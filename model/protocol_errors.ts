/**
 * A station's protocol errors as its record keeps them: how many frames we refused or ignored, and the last
 * one (when, which action if known, what was wrong). Never a frame's payload: only our own words about it (the
 * CALLERROR code and description we answered, or why a frame was ignored), cut to a readable length. Pure.
 *
 * @example
 * ```ts
 * const at = new Date("2026-01-01T00:00:00Z");
 * const errors = withProtocolError(undefined, { at, action: "Heartbeat", problem: "FormationViolation: x" });
 * errors.count; // 1
 * recentProtocolErrors(errors, at.getTime()) !== null; // true
 * ```
 */
import { replaceBadText } from "../protocol/ocppj/bad_text.ts";

export interface ProtocolErrors {
  /** Frames refused or ignored since the record began counting. */
  count: number;
  /** When the last one arrived (ISO). */
  lastAt: string;
  /** Its action, when the frame named one. */
  lastAction?: string;
  /** What was wrong with it, in our words (never its payload), at most PROBLEM_MAX_CHARS. */
  lastProblem: string;
}

/** One refused or ignored frame. */
export interface ProtocolError {
  at: Date;
  action?: string;
  problem: string;
}

/** Longer descriptions (a schema's list of failures) are cut: the frame log has the frame itself. */
export const PROBLEM_MAX_CHARS = 200;

/** How long the last protocol error counts as news (the overview's attention, the station page's notice). */
export const PROTOCOL_ERRORS_RECENT_MS = 24 * 60 * 60 * 1000;

/**
 * `errors` with one more protocol error, which becomes the last. Its texts are made storable
 * (protocol/ocppj/bad_text.ts): a refusal's description may quote the station's text (a NUL, a lone
 * surrogate), and a cut may split a surrogate pair; either would make PostgreSQL refuse the station's record.
 */
export function withProtocolError(errors: ProtocolErrors | undefined, error: ProtocolError): ProtocolErrors {
  const problem = error.problem.length > PROBLEM_MAX_CHARS
    ? `${error.problem.slice(0, PROBLEM_MAX_CHARS - 1)}…`
    : error.problem;
  return replaceBadText({
    count: (errors?.count ?? 0) + 1,
    lastAt: error.at.toISOString(),
    ...(error.action !== undefined ? { lastAction: error.action.slice(0, 64) } : {}),
    lastProblem: problem,
  });
}

/** `errors` when its last one is recent at `nowMs` (within PROTOCOL_ERRORS_RECENT_MS), else null. */
export function recentProtocolErrors<E extends Pick<ProtocolErrors, "lastAt">>(
  errors: E | undefined | null,
  nowMs: number,
  withinMs = PROTOCOL_ERRORS_RECENT_MS,
): E | null {
  if (!errors) return null;
  const at = Date.parse(errors.lastAt);
  return !Number.isNaN(at) && nowMs - at <= withinMs ? errors : null;
}

/**
 * What an operator's clear of the protocol errors whose last one is at `seenAt` does to `errors`, the
 * station's current ones: cleared (the ones it held, their count) or refused (none, or a bad frame since).
 * Decided once, where the station's errors are current (its actor, else one conditional write of its record),
 * so of two clears at once through any nodes exactly one clears.
 */
export type ProtocolErrorsClear =
  | { cleared: ProtocolErrors }
  | { refused: "no_protocol_errors" }
  | { refused: "protocol_errors_changed"; current: ProtocolErrors };

/**
 * The outcome of clearing `errors` for an operator who saw the last one at `seenAt` (the same instant,
 * however it is spelled).
 *
 * @example
 * ```ts
 * const errors = { count: 2, lastAt: "2026-01-01T00:00:00.000Z", lastProblem: "x" };
 * protocolErrorsClear(errors, "2026-01-01T00:00:00Z"); // { cleared: errors }
 * protocolErrorsClear(null, "2026-01-01T00:00:00Z"); // { refused: "no_protocol_errors" }
 * ```
 */
export function protocolErrorsClear(
  errors: ProtocolErrors | null | undefined,
  seenAt: string,
): ProtocolErrorsClear {
  if (!errors) return { refused: "no_protocol_errors" };
  if (Date.parse(errors.lastAt) !== Date.parse(seenAt)) {
    return { refused: "protocol_errors_changed", current: errors };
  }
  return { cleared: errors };
}
