import { assertEquals } from "@std/assert";
import postgres from "postgres";
import { isUnavailable, refusesEveryWrite } from "./sql.ts";

/** An error as postgres.js builds it from PostgreSQL's ErrorResponse. */
function fromServer(code: string, severity: string, message: string): Error {
  return new postgres.PostgresError({ code, severity, severity_local: severity, message } as never);
}

Deno.test("isUnavailable() counts a session PostgreSQL ended for a timeout as a lost connection", () => {
  const ended = [
    fromServer("25P03", "FATAL", "terminating connection due to idle-in-transaction timeout"),
    fromServer("25P04", "FATAL", "terminating connection due to transaction timeout"),
    fromServer("57P05", "FATAL", "terminating connection due to idle-session timeout"),
  ];
  // The connection is gone with its transaction: no ROLLBACK on it, not given back, its members unavailable.
  assertEquals(ended.map(isUnavailable), [true, true, true]);
  assertEquals(ended.map(refusesEveryWrite), [true, true, true]);
});

Deno.test("isUnavailable() leaves the transaction-state errors of a live session to their caller", () => {
  const live = [
    fromServer(
      "25P02",
      "ERROR",
      "current transaction is aborted, commands ignored until end of transaction block",
    ),
    fromServer("25001", "ERROR", "SET TRANSACTION ISOLATION LEVEL must be called before any query"),
  ];
  assertEquals(live.map(isUnavailable), [false, false]);
});
