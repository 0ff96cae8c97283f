/**
 * Typed command errors across the bus: the owner's error is sent as plain JSON and rebuilt as the same class
 * on the node that asked, so the API maps it to the same HTTP status as a local one.
 */
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  CommandGivenUpError,
  CommandNotLoggedError,
  CommandNotSentError,
  CommandRefusedError,
  InvalidResponseError,
  NodeOutdatedError,
  NotConnectedError,
  SendMarkError,
  UnheldTimeoutError,
} from "../actors/errors.ts";
import { OcppError, type OcppErrorCode } from "../protocol/ocppj/errors.ts";
import { StoreUnavailableError } from "../store/mod.ts";

export type EncodedError = { name: string; message: string } & Record<string, unknown>;

export function encodeError(error: unknown): EncodedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const base = { name: error.name, message: error.message };
  if (error instanceof NotConnectedError) return { ...base, chargePointId: error.chargePointId };
  if (
    error instanceof CallTimeoutError || error instanceof AnswerLostError ||
    error instanceof CommandNotSentError
  ) {
    return { ...base, chargePointId: error.chargePointId, action: error.action };
  }
  if (error instanceof CallErrorResponse) {
    return {
      ...base,
      chargePointId: error.chargePointId,
      action: error.action,
      errorCode: error.errorCode,
      errorDescription: error.errorDescription,
      errorDetails: error.errorDetails,
    };
  }
  if (error instanceof CommandRefusedError) {
    const { chargePointId, action, reason, details } = error;
    return { ...base, chargePointId, action, reason, details };
  }
  if (error instanceof InvalidResponseError) {
    return { ...base, chargePointId: error.chargePointId, action: error.action, reason: error.reason };
  }
  if (error instanceof OcppError) return { ...base, code: error.code, details: error.details };
  return base;
}

/** The error `encodeError` described, with its original message. */
export function decodeError(encoded: EncodedError): Error {
  const s = (key: string) => String(encoded[key] ?? "");
  let error: Error;
  switch (encoded.name) {
    case "NotConnectedError":
    case "NotDeliveredError":
      error = new NotConnectedError(s("chargePointId"), "");
      break;
    case "CallTimeoutError":
      error = new CallTimeoutError(s("chargePointId"), s("action"), 0);
      break;
    case "CommandGivenUpError":
      error = new CommandGivenUpError(s("chargePointId"), s("action"), 0);
      break;
    case "UnheldTimeoutError":
      error = new UnheldTimeoutError(s("chargePointId"), s("action"), 0);
      break;
    case "AnswerLostError":
    case "NodeLostError":
      error = new AnswerLostError(s("chargePointId"), s("action"));
      break;
    case "CallErrorResponse":
      error = new CallErrorResponse(
        s("chargePointId"),
        s("action"),
        s("errorCode"),
        s("errorDescription"),
        encoded.errorDetails,
      );
      break;
    case "SendMarkError":
      error = new SendMarkError(s("chargePointId"), s("action"), "");
      break;
    case "InvalidResponseError":
      error = new InvalidResponseError(s("chargePointId"), s("action"), s("reason"));
      break;
    case "CommandNotLoggedError":
      error = new CommandNotLoggedError(s("chargePointId"), s("action"), "");
      break;
    case "CommandNotSentError":
      error = new CommandNotSentError(s("chargePointId"), s("action"), "");
      break;
    case "CommandRefusedError":
      error = new CommandRefusedError(
        s("chargePointId"),
        s("action"),
        s("reason"),
        (encoded.details ?? {}) as Record<string, unknown>,
      );
      break;
    case "OcppError":
      error = new OcppError(
        s("code") as OcppErrorCode,
        encoded.message,
        (encoded.details ?? {}) as Record<string, unknown>,
      );
      break;
    case "NodeOutdatedError":
      error = new NodeOutdatedError(encoded.message);
      break;
    // The owner's store failed an operator's write (a protocol errors clear): 503, as on the owner's node.
    case "StoreUnavailableError":
      error = new StoreUnavailableError(encoded.message);
      break;
    default:
      // A node of an older version answers a request it does not know with a plain Error of this text.
      error = encoded.message.startsWith('Unknown cluster request "')
        ? new NodeOutdatedError(encoded.message)
        : new Error(encoded.message);
  }
  error.message = encoded.message;
  return error;
}
