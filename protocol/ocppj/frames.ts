/**
 * OCPP-J 1.6 RPC framing (OCPP-J 1.6 §4): CALL, CALLRESULT and CALLERROR as typed tuples, with a decoder that
 * never throws. Pure: no I/O, no clock.
 */
import { isOcppErrorCode, type OcppErrorCode } from "./errors.ts";

export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

/** OCPP-J 1.6 §4.1.4: the message id is a string of at most 36 characters. */
export const MAX_MESSAGE_ID_LENGTH = 36;

export type Payload = Record<string, unknown>;

export interface CallFrame {
  type: typeof CALL;
  messageId: string;
  action: string;
  payload: unknown;
}

export interface CallResultFrame {
  type: typeof CALLRESULT;
  messageId: string;
  payload: unknown;
}

export interface CallErrorFrame {
  type: typeof CALLERROR;
  messageId: string;
  errorCode: string;
  errorDescription: string;
  errorDetails: unknown;
}

export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

/**
 * What decoding one text frame gave:
 * - `frame`: a well-formed frame;
 * - `invalid`: a frame we must answer with a CALLERROR (when we know its message id) or count as bad;
 * - `ignored`: a frame whose MessageTypeId is not 2, 3 or 4, which OCPP-J 1.6 §4.1.3 says to ignore.
 */
export type DecodeResult =
  | { kind: "frame"; frame: Frame }
  | {
    kind: "invalid";
    messageId: string | undefined;
    code: OcppErrorCode;
    description: string;
    /** False for a broken CALLRESULT/CALLERROR: those are never answered with a CALLERROR. */
    answerable: boolean;
  }
  | { kind: "ignored"; reason: string };

/**
 * Decodes one OCPP-J text frame.
 *
 * @example
 * ```ts
 * const result = decodeFrame('[2,"1","Heartbeat",{}]');
 * // result.kind === "frame"
 * ```
 */
export function decodeFrame(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(undefined, "FormationViolation", "Frame is not valid JSON");
  }
  if (!Array.isArray(value)) return invalid(undefined, "FormationViolation", "Frame is not a JSON array");
  const [type, messageId] = value;
  const id = typeof messageId === "string" ? messageId : undefined;
  if (typeof type !== "number") {
    return invalid(id, "FormationViolation", "MessageTypeId is not a number");
  }
  if (type !== CALL && type !== CALLRESULT && type !== CALLERROR) {
    return { kind: "ignored", reason: `Unknown MessageTypeId ${JSON.stringify(type)}` };
  }
  const answerable = type === CALL;
  if (id === undefined) {
    return invalid(undefined, "FormationViolation", "MessageId is not a string", answerable);
  }
  if (id.length === 0 || id.length > MAX_MESSAGE_ID_LENGTH) {
    return invalid(undefined, "FormationViolation", "MessageId must be 1 to 36 characters", answerable);
  }
  switch (type) {
    case CALL: {
      if (value.length !== 4) return invalid(id, "FormationViolation", "CALL must have exactly 4 elements");
      const [, , action, payload] = value;
      if (typeof action !== "string" || action.length === 0) {
        return invalid(id, "FormationViolation", "Action is not a non-empty string");
      }
      if (!isPlainObject(payload)) return invalid(id, "FormationViolation", "Payload is not a JSON object");
      return { kind: "frame", frame: { type: CALL, messageId: id, action, payload } };
    }
    case CALLRESULT: {
      if (value.length !== 3) {
        return invalid(id, "FormationViolation", "CALLRESULT must have exactly 3 elements", false);
      }
      return { kind: "frame", frame: { type: CALLRESULT, messageId: id, payload: value[2] } };
    }
    default: {
      if (value.length !== 5) {
        return invalid(id, "FormationViolation", "CALLERROR must have exactly 5 elements", false);
      }
      const [, , errorCode, errorDescription, errorDetails] = value;
      if (typeof errorCode !== "string" || typeof errorDescription !== "string") {
        return invalid(id, "FormationViolation", "CALLERROR code and description must be strings", false);
      }
      return {
        kind: "frame",
        frame: { type: CALLERROR, messageId: id, errorCode, errorDescription, errorDetails },
      };
    }
  }
}

/** The start of a frame of one of `types` (MessageTypeIds), with its message id. */
const frameStart = (types: string) => new RegExp(`^\\s*\\[\\s*[${types}]\\s*,\\s*"([^"\\\\]{1,36})"`);
const CALL_START = frameStart("2");
const ANSWER_START = frameStart("34");

/** The message id of a CALL, read from the frame's start without parsing it all; null when not a CALL. */
export function callMessageId(text: string): string | null {
  return CALL_START.exec(text.slice(0, 80))?.[1] ?? null;
}

/** The message id of a CALLRESULT or CALLERROR, read from the frame's start; null for any other frame. */
export function answerMessageId(text: string): string | null {
  return ANSWER_START.exec(text.slice(0, 80))?.[1] ?? null;
}

/**
 * The action of a CALL, read from the frame's start without parsing it all (a frame too big to decode may
 * still be one we take); null when the start is not a CALL's.
 *
 * @example
 * ```ts
 * callAction('[2, "m1", "StopTransaction", {"transactionId": 1}]'); // "StopTransaction"
 * ```
 */
export function callAction(text: string): string | null {
  const match = /^\s*\[\s*2\s*,\s*"(?:[^"\\]|\\.){0,72}"\s*,\s*"([A-Za-z0-9]{1,64})"/.exec(
    text.slice(0, 256),
  );
  return match?.[1] ?? null;
}

/**
 * The message id of a frame `decodeFrame` ignored (an unknown MessageTypeId), for a dialect that answers it
 * (OCPP-J 2.0.1 `MessageTypeNotSupported`); undefined when it has none.
 *
 * @example
 * ```ts
 * ignoredMessageId('[7,"m1","Heartbeat",{}]'); // "m1"
 * ```
 */
export function ignoredMessageId(text: string): string | undefined {
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) && typeof value[1] === "string" ? value[1] : undefined;
  } catch {
    return undefined;
  }
}

export function encodeCall(messageId: string, action: string, payload: unknown): string {
  return JSON.stringify([CALL, messageId, action, payload]);
}

export function encodeCallResult(messageId: string, payload: unknown): string {
  return JSON.stringify([CALLRESULT, messageId, payload]);
}

export function encodeCallError(
  messageId: string,
  // A dialect may spell a code its own way (OCPP-J 2.0.1 FormatViolation), so any string goes on the wire.
  code: string,
  description: string,
  details: Record<string, unknown> = {},
): string {
  // OCPP-J 1.6 §4.2.3: ErrorDescription "should be filled in if possible, otherwise a clear empty string".
  return JSON.stringify([CALLERROR, messageId, code, description, details]);
}

/** True when a CALLERROR's code is one the spec defines; a station may send anything. */
export function knownErrorCode(code: string): OcppErrorCode {
  return isOcppErrorCode(code) ? code : "GenericError";
}

export function isPlainObject(value: unknown): value is Payload {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(
  messageId: string | undefined,
  code: OcppErrorCode,
  description: string,
  answerable = true,
): DecodeResult {
  return { kind: "invalid", messageId, code, description, answerable };
}
