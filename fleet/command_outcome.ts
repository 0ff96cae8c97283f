/**
 * How a command sent through the registry ended, in the command log's words: the answer (accepted) or the
 * typed error the registry rejected with, and what to keep of it.
 *
 * @example
 * ```ts
 * import { NotConnectedError } from "../actors/errors.ts";
 * outcomeOfError(new NotConnectedError("CP-1", "Reset")); // { outcome: "not_connected", response: null }
 * ```
 */
import {
  CallErrorResponse,
  CallTimeoutError,
  CommandRefusedError,
  InvalidResponseError,
  NotConnectedError,
} from "../actors/errors.ts";
import { redactSecrets } from "../protocol/ocppj/secret_values.ts";
import type { TaskOutcome } from "../store/fleet.ts";

export interface CommandResult {
  outcome: Exclude<TaskOutcome, "cancelled">;
  /** The answer (accepted), the CALLERROR (callerror), or `{ reason }` (refused, invalid). */
  response: unknown;
}

/** The outcome of a failed command; null for an error that is not a command's (a bug: rethrow it). */
export function outcomeOfError(error: unknown): CommandResult | null {
  if (error instanceof NotConnectedError) return { outcome: "not_connected", response: null };
  if (error instanceof CommandRefusedError) return { outcome: "refused", response: { reason: error.reason } };
  if (error instanceof CallTimeoutError) return { outcome: "timeout", response: null };
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
