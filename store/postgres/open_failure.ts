/**
 * Why a PostgreSQL store could not be opened, in one sentence an operator can act on: the database it tried
 * (the password hidden), what failed, and what to change. The server prints it as its one line at start
 * (`tasks/cli.ts`), so a wrong port, database name or user is told apart from a database that is down.
 *
 * @example
 * ```ts ignore
 * throw openFailure("postgres://csms@db:5432/csms", error);
 * // Cannot open the PostgreSQL store at postgres://csms@db:5432/csms: database "csms" does not exist
 * // (create it (createdb csms) or correct the database name in DATABASE_URL)
 * ```
 */
import { StoreUnavailableError } from "../mod.ts";
import { describe, isUnavailable } from "./sql.ts";

export function openFailure(url: string, error: unknown): Error {
  const target = parsed(url);
  const message =
    `Cannot open the PostgreSQL store at ${target?.shown ?? "(an unparseable DATABASE_URL)"}: ` +
    `${describe(error)}${hintFor(error, target)}`;
  // Unavailable stays unavailable: a caller that retries a database that is down tells it by its class.
  return isUnavailable(error)
    ? new StoreUnavailableError(message, { cause: error })
    : new Error(message, { cause: error });
}

/**
 * What `openMigratedPool` throws when no PostgreSQL answered its first query in time: something else listens
 * on the port (an HTTP server answers, closes, and postgres.js connects again and again, never failing).
 */
export class NoAnswerError extends StoreUnavailableError {
  readonly code = "NO_ANSWER";
}

interface Target {
  shown: string;
  address: string;
  host: string;
  database: string;
}

function parsed(url: string): Target | null {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    const host = decodeURIComponent(u.hostname) || "localhost";
    return {
      shown: u.toString(),
      address: `${host}:${u.port || "5432"}`,
      host,
      database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || "postgres",
    };
  } catch {
    return null;
  }
}

function hintFor(error: unknown, target: Target | null): string {
  const code = (error as { code?: unknown } | null)?.code;
  const address = target?.address ?? "the host and port";
  switch (code) {
    case "ECONNREFUSED":
      return ` (connection refused at ${address}: is PostgreSQL running and listening there? ` +
        `check the host and port in DATABASE_URL)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return ` (no such host "${target?.host ?? "?"}": check the host in DATABASE_URL)`;
    case "CONNECT_TIMEOUT":
    case "NO_ANSWER":
      return ` (no PostgreSQL answered at ${address}: is it PostgreSQL's port, and can this machine reach it? ` +
        `check the host and port in DATABASE_URL)`;
    case "3D000": // invalid_catalog_name
      return ` (create it (createdb ${
        target?.database ?? "<name>"
      }) or correct the database name in DATABASE_URL)`;
    case "28000": // invalid_authorization_specification: no such role, or pg_hba.conf refused it
    case "28P01": // invalid_password
      return " (check the user and password in DATABASE_URL, and the server's pg_hba.conf)";
    case "57P03": // cannot_connect_now
      return " (PostgreSQL is starting up, shutting down or in recovery: start again once it accepts connections)";
    case "53300": // too_many_connections
      return " (PostgreSQL has no connection left: raise its max_connections or stop what holds them)";
    default:
      return "";
  }
}
