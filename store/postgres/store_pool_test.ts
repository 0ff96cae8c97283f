/**
 * The store's pool and a terminated backend (real PostgreSQL): postgres.js 3.4.9 keeps the ErrorResponse of a
 * backend terminated mid-statement and fails the first query the connection serves after it connected again
 * with it (porsager/postgres#1223). A plain query is asked once more; a transaction's statement is not. Every
 * kill is scoped to this test's database and to the backend running the given statement.
 */
import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import type { Sql, TransactionSql } from "postgres";
import { execute, fakeQuery } from "../../tests/helpers/fake_query.ts";
import {
  assertAnsweredPromptly,
  onGuardedPoolOfOne,
  outcome,
  poolOfOne,
  within,
} from "../../tests/helpers/guarded_pool.ts";
import { ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { storePool } from "./store_pool.ts";
import { bounded } from "./sql.ts";
import { StoreUnavailableError } from "../mod.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL store pool termination tests");

/** Terminates the backend of this database running exactly `statement` once it runs; its pid. */
async function terminateRunning(observer: Sql, statement: string): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const [killed] = await observer<{ pid: number }[]>`
      select pid, pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query = ${statement} and pid <> pg_backend_pid()
    `;
    if (killed) return killed.pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`No backend ran "${statement}" within 5 s`);
}

/**
 * Runs `fn` on a pool of one whose backend was terminated while it ran a statement (that statement failed):
 * postgres.js keeps that backend's error for the connection's next request. `killed` is its pid.
 */
function afterTermination(
  fn: (pool: Sql, observer: Sql, killed: number) => Promise<void>,
): () => Promise<void> {
  return () =>
    withFreshDatabase(async (url, observer) => {
      const pool = poolOfOne(url);
      try {
        const sleeping = outcome(pool`select pg_sleep(5)`);
        const killed = await terminateRunning(observer, "select pg_sleep(5)");
        assertNotEquals(await sleeping, "ok", "the terminated statement fails");
        await fn(pool, observer, killed);
      } finally {
        await pool.end({ timeout: 1 });
      }
    });
}

Deno.test({
  name: "storePool(): a plain query is not failed by the termination of the backend that ran the one before",
  ignore,
  fn: afterTermination(async (pool, _observer, killed) => {
    // The next query was never sent to the terminated backend: it is answered, by a new one.
    const [row] = await pool<{ pid: number }[]>`select pg_backend_pid() as pid`;
    assert(row, "the next query is answered");
    assertNotEquals(row.pid, killed);
    assertEquals(await outcome(pool.unsafe("select 1")), "ok");
  }),
});

Deno.test({
  name:
    "storePool(): a query asked again whose backend is terminated too fails, and is not asked a third time",
  ignore,
  fn: afterTermination(async (pool, observer) => {
    // Refused with the first one's termination, asked again, and terminated itself while it runs.
    const second = outcome(pool`select pg_sleep(6)`);
    const killed = await terminateRunning(observer, "select pg_sleep(6)");
    assertNotEquals(await second, "ok");
    const [row] = await pool<{ pid: number }[]>`select pg_backend_pid() as pid`;
    assertNotEquals(row?.pid, killed);
    const again = await observer`select 1 from pg_stat_activity where query = 'select pg_sleep(6)'`;
    assertEquals(again.length, 0, "the second query is not run a third time");
  }),
});

Deno.test({
  name: "storePool(): a transaction is not failed at its BEGIN by the termination of the backend before",
  ignore,
  fn: afterTermination(async (pool) => {
    let begun = 0;
    const answer = await pool.begin(async (tx) => {
      begun++;
      return await tx<{ one: number }[]>`select 1 as one`;
    });
    assertEquals([answer[0]?.one, begun], [1, 1]);
  }),
});

/**
 * postgres.js's `begin`, faked on `tx`: the callback's answer, unless the connection closes first (`close`),
 * which fails the transaction at once, as postgres.js's does whatever the callback still does.
 */
function fakeBegin<T>(tx: T) {
  let closed: ((error: unknown) => void) | undefined;
  const begin = (fn: (t: T) => Promise<unknown>) =>
    new Promise((resolve, reject) => {
      closed = reject;
      fn(tx).then(resolve, reject);
    });
  return { begin, close: (error: unknown) => closed?.(error) };
}

Deno.test("storePool(): only the pool's own queries are asked again after a termination, a transaction's are not", async () => {
  const made: ReturnType<typeof fakeQuery>[] = [];
  const terminatedOnce = () => {
    const made1 = fakeQuery(["57P01"]);
    made.push(made1);
    return made1.query;
  };
  // A pool and the transaction it begins, whose queries are each refused once with another session's termination.
  const tx = Object.assign(() => terminatedOnce(), { unsafe: () => Promise.resolve([]) });
  const connection = fakeBegin(tx);
  const fake = Object.assign(() => terminatedOnce(), { unsafe: terminatedOnce, begin: connection.begin });
  const pool = storePool(fake as unknown as Sql);

  const plain = pool`select 1`;
  execute(plain);
  assertEquals(await plain, "ok");
  const unsafe = pool.unsafe("select 1");
  execute(unsafe);
  assertEquals(await unsafe, "ok");
  assertEquals(made.map((m) => m.asked()), [2, 2]);

  const inTx = pool.begin(async (t) => {
    const q = t`select 1`;
    execute(q);
    connection.close(Object.assign(new Error("CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" }));
    return await q;
  });
  assertEquals(await outcome(inTx), "CONNECTION_CLOSED");
  assertEquals(made.map((m) => m.asked()), [2, 2, 1]);
});

Deno.test("storePool(): a BEGIN refused with a termination is begun once more; not once its callback ran", async () => {
  const terminated = Object.assign(new Error("57P01"), { code: "57P01" });
  const tx = Object.assign(() => Promise.resolve([]), { unsafe: () => Promise.resolve([]) });
  /** A pool whose begin() is refused at its BEGIN `refusals` times, then runs the callback. */
  const poolRefusing = (refusals: number) => {
    let begins = 0;
    const connection = fakeBegin(tx);
    const begin = (fn: (t: typeof tx) => Promise<unknown>) =>
      begins++ < refusals ? Promise.reject(terminated) : connection.begin(fn);
    return {
      pool: storePool(Object.assign(() => {}, { begin }) as unknown as Sql),
      begins: () => begins,
      close: connection.close,
    };
  };
  let ran = 0;
  const callback = () => (ran++, Promise.resolve("done"));
  const once = poolRefusing(1);
  assertEquals(await once.pool.begin(callback), "done");
  assertEquals([once.begins(), ran], [2, 1]);
  const twice = poolRefusing(2);
  assertEquals(await outcome(twice.pool.begin(callback)), "57P01");
  assertEquals([twice.begins(), ran], [2, 1]);

  // Terminated once the callback ran: the transaction is gone, it fails.
  const afterCallback = poolRefusing(0);
  const terminatedInCallback = () => (afterCallback.close(terminated), Promise.reject(terminated));
  assertEquals(await outcome(afterCallback.pool.begin(terminatedInCallback)), "57P01");
  assertEquals(afterCallback.begins(), 1);
});

Deno.test({
  name:
    "storePool(): a transaction whose backend is terminated mid-statement fails, sends nothing more, and " +
    "leaves its pool answering at once",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    await pool`create table runs (n int)`;
    // The callback as a store method writes it, and one that answers the statement's failure with its own error.
    const sleeps = [
      (tx: TransactionSql) => tx`select pg_sleep(5)`,
      (tx: TransactionSql) =>
        tx`select pg_sleep(5)`.catch(() => {
          throw new Error("Cannot sleep");
        }),
    ];
    for (const sleep of sleeps) {
      let started = 0;
      const tx = outcome(pool.begin(async (tx) => {
        started++;
        await tx`insert into runs values (1)`;
        await sleep(tx);
      }));
      await terminateRunning(observer, "select pg_sleep(5)");
      assertNotEquals(await tx, "ok");
      assertEquals(started, 1, "the transaction is not begun again");
      // postgres.js 3.4.9 wrote the transaction's ROLLBACK on the closed socket, and the connection sent nothing
      // more: the next query failed at CONNECT_TIMEOUT (30 s).
      await assertAnsweredPromptly(pool);
      assertEquals((await observer`select n from runs`).length, 0, "the insert is gone with its session");
    }
  }),
});

Deno.test({
  name: "storePool(): a transaction ended by its idle bound sends nothing more and leaves its pool answering",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    await pool`create table runs (n int)`;
    let late = "not asked";
    const paused = Promise.withResolvers<void>();
    const tx = pool.begin(async (tx) => {
      // Stricter than the store's bound, which lets it stand: the session ends 200 ms into the pause.
      await tx`select set_config('idle_in_transaction_session_timeout', '200ms', true)`;
      await tx`insert into runs values (1)`;
      await new Promise((r) => setTimeout(r, 600));
      late = await within(2_000, tx`insert into runs values (2)`);
      paused.resolve();
    });
    assertNotEquals(await within(3_000, tx), "ok", "the transaction fails");
    await paused.promise;
    assertNotEquals(late, "no answer", "a statement after the session ended is refused at once");
    await assertAnsweredPromptly(pool);
    assertEquals((await observer`select n from runs`).length, 0, "nothing of it was committed");
  }),
});

Deno.test({
  name: "storePool(): a transaction that fails on a live connection is rolled back, and its pool answers",
  ignore,
  fn: onGuardedPoolOfOne(async (pool, observer) => {
    await pool`create table runs (n int primary key)`;
    const tx = pool.begin(async (tx) => {
      await tx`insert into runs values (1)`;
      await tx`insert into runs values (1)`;
    });
    assertEquals(await within(2_000, tx), "23505");
    await assertAnsweredPromptly(pool);
    assertEquals((await observer`select n from runs`).length, 0, "the first insert rolled back");
    // A callback's own error rolls back too.
    const own = pool.begin(async (tx) => {
      await tx`insert into runs values (2)`;
      throw Object.assign(new Error("refused"), { code: "refused" });
    });
    assertEquals(await within(2_000, own), "refused");
    assertEquals((await observer`select n from runs`).length, 0, "the insert rolled back");
    await assertAnsweredPromptly(pool);
  }),
});

Deno.test({
  name:
    "storePool(): a call's late CancelRequest that lands on the connection's next plain query does not fail it",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, observer) => {
      const proxy = tcpProxy(new URL(url));
      const pool = poolOfOne(proxy.url(url));
      try {
        await pool`select 1`; // the pool's one connection, opened before connections are held back
        // A call cut off at its bound while its statement runs: its cancel (a connection of its own) reaches
        // PostgreSQL 800 ms late, after the statement ended and while the next call's statement runs.
        proxy.delayNewConnections(800);
        const cut = bounded("the first call", 200, () => pool`select pg_sleep(0.4)`);
        await assertRejects(() => cut, StoreUnavailableError);
        const next = bounded("the next call", 5_000, () => pool`select pg_sleep(1.5) as slept`);
        assertEquals(await outcome(next), "ok");
        const [row] = await observer<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active'
            and query = 'select pg_sleep(1.5) as slept'
        `;
        assertEquals(row?.n, 0);
      } finally {
        proxy.delayNewConnections(0);
        await pool.end({ timeout: 1 });
        await proxy.close();
      }
    }),
});
