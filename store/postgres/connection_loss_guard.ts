/**
 * The process must outlive PostgreSQL going away (stations get InternalError, the server reconnects by
 * itself). Two ways it did not, both seen when the database stopped under load:
 *
 * - postgres.js 3.4.9 can run a write it scheduled (setImmediate) after its socket closed and set to null:
 *   `TypeError: Cannot read properties of null (reading 'write')` in `nextWrite`, thrown in a timer, so
 *   uncaught. The queries of that connection have already failed with CONNECTION_CLOSED, so nothing is lost
 *   but the process.
 * - a connection error in a promise nobody handles (a background loop's bug): a bug to fix where it is, but
 *   not one to end every station's session for.
 *
 * Both are logged as errors and the process goes on; any other uncaught error still ends it.
 */
import type { Logger } from "../../logger.ts";
import { isUnavailable } from "./sql.ts";

/** Whether `error` is postgres.js writing on a connection it already closed. */
export function isWriteAfterClose(error: unknown): boolean {
  return error instanceof TypeError && /reading 'write'/.test(error.message) &&
    /nextWrite|postgres\/src\/connection\.js/.test(error.stack ?? "");
}

/** Installs the guard once per process; returns its removal (for tests). */
export function guardAgainstConnectionLoss(logger: Logger): () => void {
  const onError = (event: ErrorEvent) => {
    if (!isWriteAfterClose(event.error)) return;
    event.preventDefault();
    logger.error("PostgreSQL connection closed under a pending write (postgres.js); going on", {
      error: String(event.error),
    });
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    if (!isUnavailable(event.reason)) return;
    event.preventDefault();
    logger.error("a database error nobody handled (a bug); going on", {
      error: String(event.reason),
      stack: (event.reason as Error | undefined)?.stack?.slice(0, 2000),
    });
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return () => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
}
