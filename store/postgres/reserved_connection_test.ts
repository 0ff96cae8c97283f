import { assert, assertEquals } from "@std/assert";
import type { Sql } from "postgres";
import { openPostgresPool } from "../../postgres_pool.ts";
import { ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { ReservedConnection } from "./reserved_connection.ts";
import { bounded } from "./sql.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL reserved connection tests");

/** The one connection of a pool of one, named so that only it is killed. */
function poolOfOne(url: string) {
  return openPostgresPool(url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "stall-reserved" },
  });
}

Deno.test({
  name: "a reserved connection whose clean-up breaks it is not given back: the pool's next query is answered",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, observer) => {
      const pool = poolOfOne(url);
      try {
        const conn = await ReservedConnection.reserve(pool);
        // A refused statement: the connection lives, its clean-up is sent.
        const refused = await conn.sql`select 1 / 0`.catch((e) => e);
        conn.failed(refused);
        assertEquals(conn.lost, false);
        // The clean-up is under way when the backend is killed (a failover): it fails, and the connection is lost.
        const cleanUp = conn.unlessLost(() => conn.sql`select pg_sleep(5)`).then(() => null, (e: Error) => e);
        await observer`
          select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and application_name = 'stall-reserved' and query like '%pg_sleep%'
        `.then(async function kill(rows): Promise<void> {
          if (rows.length > 0) return;
          await new Promise((r) => setTimeout(r, 10));
          await kill(
            await observer`
            select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and application_name = 'stall-reserved' and query like '%pg_sleep%'
          `,
          );
        });
        assert((await cleanUp) instanceof Error, "the clean-up failed");
        assertEquals(conn.lost, true);
        let sent = false;
        assertEquals(await conn.unlessLost(() => Promise.resolve(sent = true)), undefined);
        assert(!sent, "nothing more is sent on a lost connection");
        conn.release();
        // Released, the dead connection would be listed open and these queries written on no socket. The first
        // may fail at once: postgres.js fails the first query of the reconnected connection with the error the
        // killed session left (57P01).
        const read = () =>
          bounded("read after the loss", 3_000, () => pool<{ one: number }[]>`select 1 as one`);
        const [row] = await read().catch(read);
        assertEquals(row?.one, 1);
      } finally {
        await pool.end({ timeout: 1 });
      }
    }),
});

Deno.test({
  name: "a reserved connection that only refused a statement is rolled back and given back to the pool",
  ignore,
  fn: () =>
    withFreshDatabase(async (url) => {
      const pool = poolOfOne(url);
      try {
        const conn = await ReservedConnection.reserve(pool);
        await conn.sql`begin`;
        conn.failed(await conn.sql`select 1 / 0`.catch((e) => e));
        const [ended] = (await conn.unlessLost(() => conn.sql`rollback`)) ?? [];
        assertEquals(ended, undefined);
        assertEquals(conn.lost, false);
        conn.release();
        // The pool's one connection is back: not released, this query would wait for ever.
        const [row] = await bounded("read after the release", 3_000, () =>
          pool<{ one: number }[]>`select 1 as one`);
        assertEquals(row?.one, 1);
      } finally {
        await pool.end({ timeout: 1 });
      }
    }),
});

Deno.test({
  name:
    "a connection given up is not given back before its late cancel landed: the next call's write is kept",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, observer) => {
      await observer`create table written (n int)`;
      const proxy = tcpProxy(new URL(url));
      const pool = poolOfOne(proxy.url(url));
      try {
        // The cancel reaches PostgreSQL 1 s late: the caller has rolled back and released, another call's write runs.
        const conn = await givenUpWithLateCancel(pool, observer, proxy, 1_000);
        await conn.unlessLost(() => conn.sql`rollback`);
        conn.release();
        const write = await bounded("the next call's write", 5_000, () =>
          pool`insert into written select 1 from pg_sleep(1.5)`).then(() =>
            null, (e: Error) =>
            e);
        assertEquals(write, null, "the next call's write was not cancelled");
        assertEquals([...await observer`select n from written`], [{ n: 1 }]);
      } finally {
        await pool.end({ timeout: 1 });
        await proxy.close();
      }
    }),
});

Deno.test({
  name:
    "a connection given up whose cancel failed its transaction's rollback is rolled back before it is given back",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, observer) => {
      const proxy = tcpProxy(new URL(url));
      const pool = poolOfOne(proxy.url(url));
      try {
        const conn = await givenUpWithLateCancel(pool, observer, proxy, 500);
        // The late cancel lands on the caller's next statement: as if on its ROLLBACK, the transaction stays open
        // (aborted). Given back so, the pool's next query would fail with 25P02.
        const hit = await conn.sql`select pg_sleep(2)`.then(() => null, (e: { code?: string }) => e.code);
        assertEquals(hit, "57014");
        conn.release();
        const [row] = await bounded("the next call's read", 3_000, () =>
          pool<{ one: number }[]>`select 1 as one`);
        assertEquals(row?.one, 1);
      } finally {
        await pool.end({ timeout: 1 });
        await proxy.close();
      }
    }),
});

/**
 * A connection in a transaction given up while its statement runs, whose CancelRequest (a connection of its own)
 * reaches PostgreSQL `cancelLateMs` late: the statement has ended by then. New connections pass at once again.
 */
async function givenUpWithLateCancel(
  pool: Sql,
  observer: Sql,
  proxy: ReturnType<typeof tcpProxy>,
  cancelLateMs: number,
): Promise<ReservedConnection> {
  const conn = await ReservedConnection.reserve(pool);
  await conn.sql`begin`;
  const running = conn.sql`select pg_sleep(0.3)`.then(() => null, (e: Error) => e);
  await waitFor(observer, "select pg_sleep(0.3)");
  proxy.delayNewConnections(cancelLateMs);
  conn.giveUp();
  assertEquals(await running, null, "the statement ended before its cancel arrived");
  proxy.delayNewConnections(0); // the cancel's connection was accepted meanwhile
  return conn;
}

/** Waits until `query` runs on the database (pg_stat_activity). */
async function waitFor(observer: Sql, query: string): Promise<void> {
  for (;;) {
    const [row] = await observer`
      select 1 from pg_stat_activity
      where datname = current_database() and state = 'active' and query = ${query}
    `;
    if (row) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
