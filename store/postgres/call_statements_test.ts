/**
 * CallStatements on a store's pool (`store_pool.ts`) and real PostgreSQL: a call's cancel ends the statement it
 * runs and takes the one waiting for a connection out of the queue; a nested call's statements are its
 * parent's too, unless it has its own bound (a batched read serving many callers).
 */
import { assertEquals } from "@std/assert";
import { openPostgresPool } from "../../postgres_pool.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { CallStatements } from "./call_statements.ts";
import { storePool } from "./store_pool.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL call statements tests");

/** What a query settled with: its rows' count, or its error's code. */
function outcome(query: PromiseLike<readonly unknown[]>): Promise<string> {
  return Promise.resolve(query).then(
    (rows) => `${rows.length} row(s)`,
    (e: { code?: string }) => String(e.code ?? e),
  );
}

Deno.test({
  name:
    "CallStatements.cancel() ends a call's running statement and the one waiting for the pool's connection",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const pool = storePool(openPostgresPool(url, { max: 1, onnotice: () => {} }));
      try {
        const call = new CallStatements();
        const [running, waiting] = call.run(
          () => [outcome(pool`select pg_sleep(30)`), outcome(pool`select 1`)],
        );
        await new Promise((r) => setTimeout(r, 300));
        const start = performance.now();
        call.cancel();
        assertEquals(await Promise.all([running!, waiting!]), ["57014", "57014"]);
        assertEquals((await pool`select 1`).length, 1, "the connection serves the next query");
        assertEquals(performance.now() - start < 5_000, true);
      } finally {
        await pool.end({ timeout: 1 });
      }
    }),
});

Deno.test({
  name: "CallStatements: a nested call's statement is cancelled with its parent, unless it has its own bound",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const pool = storePool(openPostgresPool(url, { max: 2, onnotice: () => {} }));
      try {
        const outer = new CallStatements();
        const [nested, own] = outer.run(() => [
          new CallStatements().run(() => outcome(pool`select pg_sleep(30)`)),
          CallStatements.ownBound().run(() => outcome(pool`select pg_sleep(1)`)),
        ]);
        await new Promise((r) => setTimeout(r, 300));
        outer.cancel();
        assertEquals(await Promise.all([nested!, own!]), ["57014", "1 row(s)"]);
      } finally {
        await pool.end({ timeout: 1 });
      }
    }),
});
