/**
 * What every PostgreSQL file shares: bounded calls that turn connection failures into
 * StoreUnavailableError, and the small conversions between rows and records.
 */
import type postgres from "postgres";
import type { ReservedSql, Sql, TransactionSql } from "postgres";
import { StoreUnavailableError } from "../mod.ts";
import { CallStatements } from "./call_statements.ts";
import { Deadlines } from "./deadlines.ts";

/**
 * What a group commit's statements are sent on: a connection reserved for the commit, in the transaction the
 * committer began on it. Statements are pipelined (`commit.ts`), and postgres.js runs a query only once it is
 * started: a write method starts each of its statements with `.execute()` before it awaits anything, so they
 * go in the order they were written (a bare station row before the rows that reference it; an `await` or
 * `Promise.all` alone starts a query a microtask later).
 */
export type Writer = ReservedSql;
// A statement pipelined behind BEGIN (`commit.ts`, `pipelinesBegin`) takes only parameters postgres.js cannot
// fail to serialize: text (JSON rows as `${json}::text::json`), numbers, and arrays of them. Times go as text
// cast by PostgreSQL (`::text[]::timestamptz[]`): postgres.js serializes a parameter PostgreSQL types as
// timestamptz itself, and throws, unsent, on a value that is not a time.

/** Codes of socket and postgres.js connection failures. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  "57P01",
  "57P02",
  "57P03",
  "53300",
  // SQLSTATE of the FATALs that end a session for a timeout: idle_in_transaction_session_timeout,
  // transaction_timeout (PostgreSQL 17), idle_session_timeout. Its transaction is gone with it. postgres.js
  // 3.4.9 reports such a close as CONNECTION_CLOSED or EPIPE (commit_idle_timeout_test.ts); one that passes
  // the code on must not have a ROLLBACK sent on the dead connection, nor that connection given back.
  "25P03",
  "25P04",
  "57P05",
]);

/** True for an error that says PostgreSQL cannot be reached (as opposed to refusing the data). */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (err instanceof Deno.errors.ConnectionRefused || err instanceof Deno.errors.ConnectionReset) return true;
  if (err instanceof Deno.errors.ConnectionAborted || err instanceof Deno.errors.BrokenPipe) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  // SQLSTATE class 08: connection exception.
  return UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/**
 * True for an error that says PostgreSQL takes no writes now, whatever their data: out of reach, or refusing
 * every write (SQLSTATE class 53 insufficient resources: a full disk, 53100; class 58 system error: an I/O
 * error; 25006: a read-only transaction, a standby after a failover). A row refused for its data (class 22,
 * 23, 54) is about that write alone.
 */
export function refusesEveryWrite(err: unknown): boolean {
  if (isUnavailable(err)) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (/^5[38][0-9A-Z]{3}$/.test(code) || code === "25006");
}

export function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

/** The deadlines of every bounded call of this process (one timer per timeout length, see `deadlines.ts`). */
const DEADLINES = new Deadlines();

/**
 * Runs one store call within `timeoutMs`, translating connection failures into StoreUnavailableError (a
 * socket to an unreachable host can hang far longer than that). A call cut off by the deadline is reported as
 * failed, and the statements it made on a store's pool (`store_pool.ts`) that still run or wait for a connection
 * are cancelled (`call_statements.ts`): its connection comes back instead of staying busy for as long as
 * PostgreSQL runs the statement. If it commits anyway (a COMMIT already under way), the replay keys make the
 * station's retry harmless. `onExpired` runs when the deadline cut the call off: a call that holds a connection
 * gives it up there (`reserved_connection.ts`). `statements` is the call's, when the caller made it run already.
 */
export function bounded<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T>,
  onExpired?: () => void,
  statements: CallStatements = new CallStatements(),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = DEADLINES.add(timeoutMs, () => {
      reject(new StoreUnavailableError(`Cannot ${what}: no answer from PostgreSQL in ${timeoutMs} ms`));
      statements.cancel();
      onExpired?.();
    });
    const failed = (err: unknown) => {
      DEADLINES.settle(deadline);
      statements.settled();
      reject(asUnavailable(what, err));
    };
    let call: Promise<T>;
    try {
      call = statements.run(fn);
    } catch (err) {
      return failed(err);
    }
    call.then((value) => {
      DEADLINES.settle(deadline);
      statements.settled();
      resolve(value);
    }, failed);
  });
}

/** A connection failure as StoreUnavailableError naming `what` was attempted; any other error as it is. */
export function asUnavailable(what: string, err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  return new StoreUnavailableError(`Cannot ${what}: PostgreSQL is unreachable (${describe(err)})`, {
    cause: err,
  });
}

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

export function jsonOrNull(sql: Sql | TransactionSql, value: unknown) {
  return value === null || value === undefined ? null : sql.json(value as postgres.JSONValue);
}

/**
 * `id_tag` is `idTag` in any case (OCPP's IdToken), for the tables whose `id_tag` has the "C" collation
 * (`id_tags`, `local_list_member`): lower() folds A-Z only there, as `idTagKey` does on KV, and the parameter
 * is given that collation too (the database's default would fold other letters as well, and never match). The
 * expression is the one their unique indexes have (migrations 018, 019).
 */
export function idTagIs(sql: Sql | TransactionSql, idTag: string) {
  return sql`lower(id_tag) = lower(${idTag}::text collate "C")`;
}
