/**
 * Whether an error of a Deno KV write says the file takes no writes now, whatever the data: SQLite's words for
 * a full disk, a failing disk, a file made read-only or gone (`TypeError: database or disk is full` on
 * ENOSPC). A value or key KV refuses (too large, a bad key) is about that write alone.
 *
 * @example
 * ```ts
 * import { kvRefusesEveryWrite } from "./unwritable.ts";
 *
 * kvRefusesEveryWrite(new TypeError("database or disk is full")); // true
 * kvRefusesEveryWrite(new TypeError("Value too large (max 65536 bytes)")); // false
 * ```
 */
import { StoreUnavailableError } from "../mod.ts";

const UNWRITABLE =
  /database or disk is full|disk I\/O error|attempt to write a readonly database|unable to open database file/i;

export function kvRefusesEveryWrite(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  return error instanceof Error && UNWRITABLE.test(error.message);
}
