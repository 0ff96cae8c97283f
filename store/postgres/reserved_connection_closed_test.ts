/**
 * A reserved connection (`reserved_connection.ts`) whose connection closes BETWEEN two of its statements (its
 * backend terminated while it sits reserved, its idle bound firing while the node is stalled), real
 * PostgreSQL, a pool of one: the next statement, the ROLLBACK sent `unlessLost` and the release must send
 * nothing on the closed connection (postgres.js 3.4.9 would write it on no socket and leave the connection
 * unable to send its next StartupMessage: the pool's next query failed at CONNECT_TIMEOUT), and the pool's
 * next query is answered within 2 s. Kills are scoped to this test's database.
 */
import { assertEquals, assertNotEquals } from "@std/assert";
import type { Sql } from "postgres";
import { assertAnsweredPromptly, onGuardedPoolOfOne, within } from "../../tests/helpers/guarded_pool.ts";
import { ignoreWithoutPostgres } from "../../tests/helpers/postgres.ts";
import { ReservedConnection } from "./reserved_connection.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL reserved connection close tests");

/** Terminates the backend `pid` of this database, and waits until its session is gone and its close read. */
async function terminate(observer: Sql, pid: number): Promise<void> {
  await observer`
    select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid = ${pid}
  `;
  for (let tries = 0; tries < 200; tries++) {
    const rows = await observer`select 1 from pg_stat_activity where pid = ${pid}`;
    if (rows.length === 0) return await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`The backend ${pid} is still there after 2 s`);
}

/**
 * The insert after the close is refused at once, the caller's clean-up (ROLLBACK unless lost, release) sends
 * nothing, the pool answers and nothing of the transaction was committed.
 */
async function assertNothingMoreSent(pool: Sql, observer: Sql, conn: ReservedConnection): Promise<void> {
  const next = await within(2_000, conn.sql`insert into runs values (2)`);
  assertNotEquals(next, "ok");
  assertNotEquals(next, "no answer", "the statement after the close is refused at once");
  conn.failed(next);
  assertEquals(await within(2_000, conn.unlessLost(() => conn.sql`rollback`)), "ok");
  assertEquals(conn.lost, true);
  conn.release();
  await assertAnsweredPromptly(pool);
  assertEquals((await observer`select n from runs`).length, 0, "nothing of it was committed");
}

Deno.test({
  name: "a reserved connection whose backend is terminated between two statements sends nothing more on it",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    await pool`create table runs (n int)`;
    const conn = await ReservedConnection.reserve(pool);
    await conn.sql`begin`;
    const [me] = await conn.sql<
      { pid: number }[]
    >`insert into runs values (1) returning pg_backend_pid() as pid`;
    await terminate(observer, me!.pid);
    await assertNothingMoreSent(pool, observer, conn);
  }),
});

Deno.test({
  name:
    "a reserved connection whose idle bound ends its session between two statements sends nothing more on it",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    await pool`create table runs (n int)`;
    const conn = await ReservedConnection.reserve(pool);
    await conn.sql`begin`;
    await conn.sql`select set_config('idle_in_transaction_session_timeout', '200ms', true)`;
    await conn.sql`insert into runs values (1)`;
    // The node pauses (a stall, a long computation): PostgreSQL ends the session 200 ms into it.
    await new Promise((r) => setTimeout(r, 600));
    await assertNothingMoreSent(pool, observer, conn);
  }),
});

Deno.test({
  name:
    "a reserved connection closed between statements is neither rolled back on nor released: the pool answers",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    const conn = await ReservedConnection.reserve(pool);
    const [me] = await conn.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await terminate(observer, me!.pid);
    // No statement of it failed: the clean-up a caller sends anyway (migrate.ts' reset) is not sent either.
    assertEquals(await within(2_000, conn.unlessLost(() => conn.sql`reset statement_timeout`)), "ok");
    assertEquals(conn.lost, true);
    conn.release();
    await assertAnsweredPromptly(pool);
  }),
});

Deno.test({
  name: "a reserved connection closed under a statement fails the statements queued behind it at once",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    const conn = await ReservedConnection.reserve(pool);
    await conn.sql`set statement_timeout = 0`; // as a caller's first statement: no parameters
    // A statement with parameters is described first: postgres.js holds the next one back until it is answered.
    const sleeping = within(2_000, conn.sql`select pg_sleep(5) where ${1}::int = 1`);
    const queued = within(2_000, conn.sql`select 2`);
    for (let tries = 0; tries < 200; tries++) {
      const killed = await observer`
        select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and query like 'select pg_sleep(5)%' and pid <> pg_backend_pid()
      `;
      if (killed.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(await sleeping, "CONNECTION_CLOSED");
    assertEquals(await queued, "CONNECTION_CLOSED", "the queued statement is failed, not left unanswered");
    assertEquals(conn.lost, true);
    conn.release();
    await assertAnsweredPromptly(pool);
  }),
});
