/**
 * Deno KV's SQLite schema indexes every key by its expiry (`kv_expiration_ms_idx on kv (expiration_ms)`),
 * keys without one too (their expiration_ms is -1, in key order): every write changes a second B-tree holding
 * every key, as scattered as the table. Only keys written with `expireIn` need it (Deno KV's two expiry
 * queries ask for `expiration_ms >= 0`), so on a local file the index is made partial (`WHERE expiration_ms
 * >= 0`): same name, the same queries served by it, and a key without expiry costs one B-tree. Measured:
 * SQLite's thread 25-35% less CPU for scattered writes (bench/README.md, "Twenty-second round").
 *
 * Changed with `node:sqlite` (in Deno the same built-in SQLite as Deno KV's, so their locks are shared), before
 * this process opens its handle; another process is kept out by SQLite's locking, waited for up to
 * BUSY_TIMEOUT_MS.
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
    const sql = expiryIndexSql(db);
    if (sql === null) return "absent";
    if (/\bwhere\b/i.test(sql)) return "already";
    db.exec("BEGIN IMMEDIATE");
    try {
      // Read again under the write lock: another process may have changed it meanwhile.
      const now = expiryIndexSql(db);
      if (now === null || /\bwhere\b/i.test(now)) {
        db.exec("ROLLBACK");
        return now === null ? "absent" : "already";
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

function expiryIndexSql(db: DatabaseSync): string | null {
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(
    EXPIRY_INDEX,
  ) as
    | { sql: string | null }
    | undefined;
  return row?.sql ?? null;
}
