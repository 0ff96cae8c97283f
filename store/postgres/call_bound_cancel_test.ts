/**
 * A plain store call (not a group commit) cut off at its bound cancels its statement: a write waiting for a row
 * lock that another session holds, or a transaction's statement waiting for an advisory lock, no longer keeps
 * its connection busy until the lock is released. pg_stat_activity shows the waiting statement gone soon after
 * the bound, and a pool of one serves the next call while the lock is still held.
 */
import { assert, assertEquals, assertInstanceOf } from "@std/assert";
import type { Sql } from "postgres";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { StoreUnavailableError } from "../mod.ts";
import { idTagKey } from "../../model/id_tag.ts";
import { openPostgresAuthStore } from "./auth.ts";
import { openPostgresStore } from "./mod.ts";
import { openPostgresPool } from "../../postgres_pool.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL call bound cancel tests");
const BOUND_MS = 500;

/** A store's statements of this database waiting for a lock (by its pool's application_name). */
function waitingStatements(observer: Sql, application = "ocpp-csms") {
  return observer<{ pid: number; query: string }[]>`
    select pid, query from pg_stat_activity
    where datname = current_database() and application_name = ${application} and wait_event_type = 'Lock'
  `;
}

/** Polls until `check` holds or `ms` pass; answers how long it took. */
async function within(ms: number, check: () => Promise<boolean>, what: string): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > ms) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now() - start;
}

/** Holds a lock on a connection of its own (begin, `lock`), until `release`. */
async function holding(url: string, lock: (tx: Sql) => Promise<unknown>) {
  const holder = openPostgresPool(url, { max: 1, onnotice: () => {} });
  const conn = await holder.reserve();
  await conn`begin`;
  await lock(conn);
  return {
    release: async () => {
      await conn`rollback`;
      conn.release();
      await holder.end();
    },
  };
}

Deno.test({
  name:
    "a store write past its bound waiting for a row lock is cancelled: a pool of one serves the next call",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url, { maxConnections: 1, operationTimeoutMs: BOUND_MS });
      const at = new Date("2024-05-01T09:00:00Z");
      try {
        await store.putChargePoint(emptyRecord("CP-LOCKED", at));
        const lock = await holding(url, (c) =>
          c`select id from charge_points where id = 'CP-LOCKED' for update`);
        try {
          const failed = await store.putChargePoint({
            ...emptyRecord("CP-LOCKED", at),
            lastSeen: "2024-05-01T10:00:00.000Z",
          })
            .then((r) =>
              r, (e: unknown) => e);
          assertInstanceOf(failed, StoreUnavailableError, String(failed));
          const took = await within(2_000, async () =>
            (await waitingStatements(observer)).length === 0, "the waiting write is cancelled");
          // The pool's one connection answers while the row is still locked (kept busy, it would fail at the bound).
          assertEquals(
            (await store.listChargePoints({ limit: 10 })).map((c) =>
              c.id
            ),
            ["CP-LOCKED"],
          );
          assert(took < 2_000, `gone in ${Math.round(took)} ms`);
        } finally {
          await lock.release();
        }
        assertEquals(
          (await store.getChargePoint("CP-LOCKED"))?.lastSeen,
          null,
          "the cancelled write was not stored",
        );
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "a store transaction past its bound waiting for an advisory lock is cancelled and rolled back",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url, { maxConnections: 1, operationTimeoutMs: BOUND_MS });
      try {
        // changeIdTag's transaction takes this advisory lock first (`pg_helpers.ts` `changeLocked`).
        const name = "id_tag:" + idTagKey("TAG-LOCKED");
        const lock = await holding(url, (c) => c`select pg_advisory_xact_lock(hashtext(${name}))`);
        try {
          const failed = await store.changeIdTag(
            "TAG-LOCKED",
            () => ({ idTag: "TAG-LOCKED", status: "Accepted" as const, expiryDate: null, parentIdTag: null }),
          )
            .then((r) => r, (e: unknown) => e);
          assertInstanceOf(failed, StoreUnavailableError, String(failed));
          await within(2_000, async () =>
            (await waitingStatements(observer)).length === 0, "the waiting lock is cancelled");
          assertEquals(await store.listIdTags({ limit: 10 }), []);
        } finally {
          await lock.release();
        }
        // The connection came back out of its transaction: the change goes through now.
        await store.changeIdTag(
          "TAG-LOCKED",
          () => ({ idTag: "TAG-LOCKED", status: "Accepted" as const, expiryDate: null, parentIdTag: null }),
        );
        assertEquals((await store.getIdTag("TAG-LOCKED"))?.status, "Accepted");
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "a call of a bounded store (auth) past its bound waiting for a table lock is cancelled",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const auth = await openPostgresAuthStore(url, { maxConnections: 1, callTimeoutMs: BOUND_MS });
      try {
        const lock = await holding(url, (c) => c`lock table auth_users in access exclusive mode`);
        try {
          const failed = await auth.listUsers().then((r) => r, (e: unknown) => e);
          assertInstanceOf(failed, StoreUnavailableError, String(failed));
          await within(
            2_000,
            async () => (await waitingStatements(observer, "ocpp-csms-auth")).length === 0,
            "the waiting read is cancelled",
          );
          // The pool's one connection answers a call on another table while the lock is still held.
          assertEquals(await auth.getSession("no-such-session", "2024-05-01T09:00:00.000Z"), null);
        } finally {
          await lock.release();
        }
        assertEquals(await auth.listUsers(), []);
      } finally {
        await auth.close();
      }
    }),
});
