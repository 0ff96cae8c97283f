/**
 * The API server on a store whose reads of meter values a test counts, to hold a request to what it should
 * cost: on Deno KV the entries `list()` yields (`withCountedLists`), on PostgreSQL the rows the meter value
 * tables gave (their index entries read and rows read by sequential scans, from the statistics views of a
 * fresh database). A server's backend reports its counts when idle, but at most once a second, else 10 s
 * later (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): a count is taken once it has not moved for 11 s. The tables
 * are analyzed first, as autovacuum does in production: a fresh table's planner guesses 141 rows a
 * transaction and reads all of them for a sort rather than an index's order.
 */
import type postgres from "postgres";
import { openPostgresPool } from "../../postgres_pool.ts";
import { parseConfig } from "../../config.ts";
import { createMemoryLogger } from "../../logger.ts";
import { kvFleetStore } from "../../store/kv/fleet.ts";
import { KvStore, openKvHandle } from "../../store/kv/mod.ts";
import { openStores } from "../../store/open.ts";
import { type ApiTestServer, startApiServer } from "./api.ts";
import { withCountedLists } from "./kv.ts";
import { migratedDatabase } from "./postgres.ts";

export interface CountedReads {
  /** What `fn` read: KV entries listed, or PostgreSQL meter value rows and index entries. */
  of(fn: () => Promise<void>): Promise<number>;
}

export async function withCountedReadsServer(
  kind: "kv" | "postgres",
  fn: (server: ApiTestServer, reads: CountedReads) => Promise<void>,
): Promise<void> {
  if (kind === "kv") {
    const listed = { entries: 0 };
    const kv = withCountedLists(await openKvHandle(":memory:"), listed);
    const store = new KvStore(kv);
    try {
      const server = await startApiServer({}, { store, fleet: kvFleetStore(kv) });
      try {
        return await fn(server, {
          async of(read) {
            const before = listed.entries;
            await read();
            return listed.entries - before;
          },
        });
      } finally {
        await server.close();
      }
    } finally {
      await store.close();
    }
  }
  const db = await migratedDatabase("meteridx_reads");
  const stats = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
  try {
    const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
    try {
      const server = await startApiServer({}, stores);
      try {
        await fn(server, {
          async of(read) {
            await stats`analyze meter_groups, meter_values`;
            const before = await settled(stats);
            await read();
            return (await settled(stats)) - before;
          },
        });
      } finally {
        await server.close();
      }
    } finally {
      await stores.close();
    }
  } finally {
    await stats.end();
    await db.drop();
  }
}

/** The tables' reads so far, once the server's backends have reported them (unchanged for 11 s). */
async function settled(sql: postgres.Sql): Promise<number> {
  let last = await tableReads(sql);
  let since = Date.now();
  while (Date.now() - since < 11_000) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await tableReads(sql);
    if (now !== last) [last, since] = [now, Date.now()];
  }
  return last;
}

async function tableReads(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: string }[]>`
    select (
      select coalesce(sum(seq_tup_read), 0) from pg_stat_user_tables
      where relname in ('meter_groups', 'meter_values')
    ) + (
      select coalesce(sum(idx_tup_read), 0) from pg_stat_user_indexes
      where relname in ('meter_groups', 'meter_values')
    ) as n
  `;
  return Number(row!.n);
}
