/**
 * Deno KV's SQLite schema indexes every key by its expiry (`kv_expiration_ms_idx on kv (expiration_ms)`),
 * keys without one too (their expiration_ms is -1, in key order): every write changes a second B-tree holding
 * every key, as scattered as the table. Only keys written with `expireIn` need it (Deno KV's two expiry
 * queries ask for `expiration_ms >= 0`), so on a local file the index is made partial (`WHERE expiration_ms
 * >= 0`): same name, the same queries served by it, and a key without expiry costs one B-tree. Measured:
 * SQLite's thread 25-35% less CPU for scattered writes (bench/README.md, "Twenty-second round").
 *
 * Changed with `node:sqlite` (in Deno the same built-in SQLite as Deno KV's, so their locks are shared); another
 * connection or process is kept out by SQLite's locking, waited for up to BUSY_TIMEOUT_MS.
 */
import { DatabaseSync } from "node:sqlite";

export const EXPIRY_INDEX = "kv_expiration_ms_idx";
const PARTIAL = `CREATE INDEX ${EXPIRY_INDEX} ON kv (expiration_ms) WHERE expiration_ms >= 0`;
/** How long the change waits for another process's write lock. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Makes the expiry index of the KV file at `path` partial. Returns "made", "already" (partial before), or
 * "absent" (no such index: not a Deno KV file, or a schema this does not know; left alone).
 */
export function makeExpiryIndexPartial(path: string): "made" | "already" | "absent" {
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Read first without a lock: once partial, opening the file takes no write lock.
    const before = expiryIndexState(db);
    if (before !== "full") return before;
    db.exec("BEGIN IMMEDIATE");
    try {
      // Read again under the write lock: another process may have changed it meanwhile.
      const state = expiryIndexState(db);
      if (state !== "full") {
        db.exec("ROLLBACK");
        return state;
      }
      db.exec(`DROP INDEX ${EXPIRY_INDEX}`);
      db.exec(PARTIAL);
      db.exec("COMMIT");
      return "made";
    } catch (error) {
      // SQLite may have rolled back already (a full disk, an I/O error): the first error is the one to tell.
      try {
        db.exec("ROLLBACK");
      } catch { /* rolled back */ }
      throw error;
    }
  } finally {
    db.close();
  }
}

/** "full" (Deno KV's, every key), "already" (partial) or "absent" (no index of that name). */
function expiryIndexState(db: DatabaseSync): "full" | "already" | "absent" {
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(
    EXPIRY_INDEX,
  ) as { sql: string | null } | undefined;
  if (!row?.sql) return "absent";
  return /\bwhere\b/i.test(row.sql) ? "already" : "full";
}
