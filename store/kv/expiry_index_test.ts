/**
 * The partial expiry index (expiry_index.ts): made on a KV file's first open here, new or existing; Deno KV's
 * expiry queries still use it, keys with `expireIn` still expire, keys without it are no longer in it.
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { EXPIRY_INDEX, makeExpiryIndexPartial } from "./expiry_index.ts";
import { openKvHandle } from "./handle.ts";

/** Runs `test` with a fresh temporary folder, removed afterwards. */
async function inTempDir(test: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function indexSql(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(EXPIRY_INDEX) as { sql: string })
      .sql;
  } finally {
    db.close();
  }
}

/**
 * Entries in the expiry index (ANALYZE's count for it, on a copy), and the plans of Deno KV's two expiry
 * queries (denokv, sqlite/backend.rs).
 */
function inspect(path: string): { indexed: number; plans: string[] } {
  const copy = `${path}.analyzed`;
  Deno.copyFileSync(path, copy);
  const analyzed = new DatabaseSync(copy);
  let indexed: number;
  try {
    analyzed.exec("ANALYZE");
    const row = analyzed.prepare("SELECT stat FROM sqlite_stat1 WHERE idx = ?").get(EXPIRY_INDEX) as
      | { stat: string }
      | undefined;
    indexed = row === undefined ? 0 : Number(row.stat.split(" ")[0]);
  } finally {
    analyzed.close();
    Deno.removeSync(copy);
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const plans = [
      "delete from kv where expiration_ms >= 0 and expiration_ms <= ? returning k",
      "select expiration_ms from kv where expiration_ms >= 0 order by expiration_ms limit 1",
    ].map((q) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${q}`).all() as { detail: string }[]).map((r) => r.detail).join()
    );
    return { indexed, plans };
  } finally {
    db.close();
  }
}

Deno.test("a new KV file gets the partial expiry index on its first open; its expiry queries use it", () =>
  inTempDir(async (dir) => {
    const path = `${dir}/sub/csms.kv`;
    const kv = await openKvHandle(path);
    await kv.set(["cp", "CP-1"], { id: "CP-1" });
    await kv.set(["auth_session", "s1"], "x", { expireIn: 3_600_000 });
    kv.close();
    assert(/WHERE expiration_ms >= 0/i.test(indexSql(path)), indexSql(path));
    const { indexed, plans } = inspect(path);
    // Only the key with an expiry is in it.
    assertEquals(indexed, 1);
    for (const plan of plans) assert(plan.includes(`INDEX ${EXPIRY_INDEX}`), plan);
  }));

Deno.test("an existing KV file's full expiry index is made partial once, its data kept; keys with expireIn still expire", () =>
  inTempDir(async (dir) => {
    const path = `${dir}/old.kv`;
    // A file as Deno KV writes it (opened directly, not through openKvHandle).
    const before = await Deno.openKv(path);
    await before.set(["cp", "CP-1"], { id: "CP-1" });
    await before.set(["gone"], "soon", { expireIn: 50 });
    before.close();
    assert(!/WHERE/i.test(indexSql(path)));

    assertEquals(makeExpiryIndexPartial(path), "made");
    assertEquals(makeExpiryIndexPartial(path), "already");
    await new Promise((r) => setTimeout(r, 100));
    // Deno KV deletes expired keys when it opens a file (and when the earliest expiry comes).
    const kv = await openKvHandle(path);
    try {
      assertEquals((await kv.get(["cp", "CP-1"])).value, { id: "CP-1" });
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = (await kv.get(["gone"])).versionstamp === null;
        if (!gone) await new Promise((r) => setTimeout(r, 100));
      }
      assert(gone, "the expired key is still there");
    } finally {
      kv.close();
    }
  }));

Deno.test("a file without Deno KV's expiry index is left alone", () =>
  inTempDir((dir) => {
    const path = `${dir}/other.db`;
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE t (x)");
    db.close();
    assertEquals(makeExpiryIndexPartial(path), "absent");
  }));

Deno.test("a file whose expiry index cannot be changed still opens, as Deno KV made it, and the failure is told", () =>
  inTempDir(async (dir) => {
    const path = `${dir}/locked.kv`;
    const warned: unknown[] = [];
    const kv = await openKvHandle(path, {
      prepare: () => {
        throw new Error("database is locked");
      },
      warn: (msg, fields) => warned.push({ msg, error: fields.error }),
    });
    await kv.set(["cp", "CP-1"], 1);
    assertEquals((await kv.get(["cp", "CP-1"])).value, 1);
    kv.close();
    assertEquals(warned, [{
      msg: "KV expiry index left as Deno KV made it",
      error: "Error: database is locked",
    }]);
    assert(!/WHERE/i.test(indexSql(path)));
  }));
