/**
 * A group commit whose session PostgreSQL ends for sitting idle in its transaction
 * (`idle_in_transaction_session_timeout`, SQLSTATE 25P03): its writes answered, its COMMIT late (a slow link, or
 * a node whose event loop stalled between those answers and its COMMIT). The connection is gone with its
 * transaction: the commit's members fail at once as the store being unavailable (no ROLLBACK waited for on the
 * dead connection until the bound, no dead connection given back to the pool), nothing is reported stored,
 * and the next commit works. The timeout is set on this test's own database only. The store has ONE
 * connection and the connection-loss guard must log nothing: a statement postgres.js 3.4.9 writes on the closed
 * connection (a ROLLBACK, the COMMIT) would leave it unable to connect again (`reserved_connection.ts`), and the
 * next commit would wait for its bound.
 */
import { assertEquals, assertInstanceOf, assertLess } from "@std/assert";
import { createMemoryLogger } from "../../logger.ts";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { StoreUnavailableError } from "../mod.ts";
import { guardAgainstConnectionLoss } from "./connection_loss_guard.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL idle-in-transaction timeout tests");

/** How the COMMIT comes too late: answers delayed on the way, or held and then read all at once. */
type Late = "slow link" | "stalled client";

for (const late of ["slow link", "stalled client"] as const) {
  Deno.test({
    name:
      `a group commit whose session ends for idling in its transaction (${late}) fails at once; the next commits`,
    ignore,
    fn: () => idleInTransaction(late),
  });
}

async function idleInTransaction(late: Late): Promise<void> {
  await withMigratedDatabase(async (url, observer) => {
    const name = new URL(url).pathname.slice(1);
    // New sessions of this database idle in a transaction for 200 ms are ended (FATAL 25P03).
    await observer.unsafe(`alter database "${name}" set idle_in_transaction_session_timeout = 200`);
    const proxy = tcpProxy(new URL(url));
    const store = await openPostgresStore(proxy.url(url), { maxConnections: 1 });
    const logger = createMemoryLogger();
    const unguard = guardAgainstConnectionLoss(logger);
    try {
      await store.putChargePoint({ ...emptyRecord("CP-A", new Date("2024-05-01T09:00:00Z")) });
      // Its statements prepared: the next commit's are answered at once, and its session is idle in transaction.
      await store.commit({ chargePointId: "CP-A", lastSeen: "2024-05-01T09:30:00.000Z" });
      const started = performance.now();
      const commit = () =>
        store.commit({ chargePointId: "CP-A", lastSeen: "2024-05-01T10:00:00.000Z" }).then(
          (r) => r,
          (e: unknown) => e,
        );
      let failed: unknown;
      if (late === "slow link") {
        proxy.delayAnswers(500);
        failed = await commit();
        proxy.delayAnswers(0);
      } else {
        const release = proxy.holdAnswers();
        const pending = commit();
        await new Promise((r) => setTimeout(r, 600));
        release();
        failed = await pending;
      }
      assertInstanceOf(failed, StoreUnavailableError, JSON.stringify(failed));
      assertLess(performance.now() - started, 3_000, "failed without waiting for the 10 s bound");
      assertEquals((await store.getChargePoint("CP-A"))?.lastSeen, "2024-05-01T09:30:00.000Z", "not stored");
      // The next commit works, at once.
      const next = performance.now();
      assertEquals(
        await store.commit({ chargePointId: "CP-A", lastSeen: "2024-05-01T11:00:00.000Z" }),
        { ok: true, meterValuesAdded: 0 },
      );
      assertLess(performance.now() - next, 2_000);
      assertEquals((await store.getChargePoint("CP-A"))?.lastSeen, "2024-05-01T11:00:00.000Z");
      assertEquals(logger.lines.map((l) => l.msg), [], "nothing is written on a closed connection");
    } finally {
      await store.close();
      await proxy.close();
      unguard();
    }
  });
}
