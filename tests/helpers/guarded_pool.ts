/**
 * A store's pool of ONE connection with the connection-loss guard installed, for tests of a connection lost
 * under a transaction or a reserved connection: with one connection the pool's next query surely lands on the
 * connection that was lost, and the guard, which logs (rather than crash) a write postgres.js 3.4.9 makes on a
 * closed socket, must log nothing.
 *
 * @example
 * ```ts ignore
 * Deno.test({ name: "...", fn: onGuardedPoolOfOne(async (pool, observer) => {
 *   // ... lose the connection
 *   await assertAnsweredPromptly(pool);
 * }) });
 * ```
 */
import { assertEquals } from "@std/assert";
import type { Sql } from "postgres";
import { createMemoryLogger } from "../../logger.ts";
import { openPostgresPool } from "../../postgres_pool.ts";
import { guardAgainstConnectionLoss } from "../../store/postgres/connection_loss_guard.ts";
import { storePool } from "../../store/postgres/store_pool.ts";
import { withFreshDatabase } from "./postgres.ts";

/** What a query settled with: "ok", or its error's code. */
export function outcome(query: PromiseLike<unknown>): Promise<string> {
  return Promise.resolve(query).then(() => "ok", (e: { code?: string }) => String(e.code ?? e));
}

/** What `query` settled with (as `outcome`), or "no answer" when it did not settle within `ms`. */
export async function within(ms: number, query: PromiseLike<unknown>): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((r) => timer = setTimeout(() => r("no answer"), ms));
  try {
    return await Promise.race([outcome(query), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A store's pool of one connection. */
export function poolOfOne(url: string): Sql {
  return storePool(openPostgresPool(url, { max: 1, onnotice: () => {} }));
}

/**
 * Runs `fn` on a fresh database's pool of one with the guard installed: `fn` must leave no log line. Ends the
 * pool and the guard whatever `fn` did.
 */
export function onGuardedPoolOfOne(fn: (pool: Sql, observer: Sql) => Promise<void>): () => Promise<void> {
  return () =>
    withFreshDatabase(async (url, observer) => {
      const pool = poolOfOne(url);
      const logger = createMemoryLogger();
      const unguard = guardAgainstConnectionLoss(logger);
      try {
        await fn(pool, observer);
        assertEquals(logger.lines.map((l) => l.msg), [], "nothing is written on a closed connection");
      } finally {
        await pool.end({ timeout: 1 });
        await new Promise((r) => setTimeout(r, 10));
        unguard();
      }
    });
}

/** The next plain query and the next transaction on `pool` are answered, each within 2 s. */
export async function assertAnsweredPromptly(pool: Sql): Promise<void> {
  assertEquals(await within(2_000, pool`select 1`), "ok", "the next query is answered");
  assertEquals(
    await within(2_000, pool.begin((tx) => tx`select 1`)),
    "ok",
    "the next transaction is answered",
  );
}
