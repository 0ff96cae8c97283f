/**
 * The HTTP answer to a command that failed: 409 not connected or refused by the station's state, 504 no
 * answer in time or the connection closed after it was sent, 502 a CALLERROR or an invalid answer, 503 not
 * sent because the store failed (its command log row, a lookup its check needs). Any other error is returned
 * as it is (a 500).
 */
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  CommandNotSentError,
  CommandRefusedError,
  InvalidResponseError,
  NodeLostError,
  NotConnectedError,
} from "../../actors/errors.ts";
import { redactSecrets } from "../../protocol/ocppj/secret_values.ts";
import { StoreUnavailableError } from "../../store/mod.ts";
import { ApiError } from "./http.ts";

export function commandApiError(error: unknown): unknown {
  if (error instanceof NotConnectedError) return new ApiError(409, "not_connected", error.message);
  if (error instanceof CommandRefusedError) {
    return new ApiError(409, "command_refused", error.message, { ...error.details, reason: error.reason });
  }
  // Not sent, the store failing (its command log row, a lookup its check needs): worth trying again.
  if (error instanceof CommandNotSentError) return new StoreUnavailableError(error.message);
  if (error instanceof CallTimeoutError) return new ApiError(504, "station_timeout", error.message);
  if (error instanceof NodeLostError) {
    return new ApiError(504, "station_timeout", error.message, {
      sent: true,
      connectionClosed: true,
      nodeLost: true,
    });
  }
  if (error instanceof AnswerLostError) {
    return new ApiError(504, "station_timeout", error.message, { sent: true, connectionClosed: true });
  }
  if (error instanceof CallErrorResponse) {
    // Redacted (and cut at a sane depth): the details are the station's to make up.
    return new ApiError(
      502,
      "station_error",
      error.message,
      redactSecrets({
        errorCode: error.errorCode,
        errorDescription: error.errorDescription,
        errorDetails: error.errorDetails,
      }) as Record<string, unknown>,
    );
  }
  if (error instanceof InvalidResponseError) {
    return new ApiError(502, "invalid_station_response", error.message, { reason: error.reason });
  }
  return error;
}

/** Whether a command that failed so may have been carried out: sent, and no valid answer came back. */
export function outcomeUnknown(error: unknown): boolean {
  return error instanceof CallTimeoutError || error instanceof AnswerLostError ||
    error instanceof InvalidResponseError;
}
