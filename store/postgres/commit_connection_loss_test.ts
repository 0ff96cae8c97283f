/**
 * A group commit waiting for a connection of a busy pool when the pool's connections are lost (the network
 * cut, PostgreSQL restarted): it must get a connection once the database answers again and commit, not wait
 * for ever (postgres.js 3.4.9 hands a waiting `reserve()` to the reconnecting connection, which drops it
 * after fetching the array types: its stations answered InternalError only at the 10 s bound, and its group
 * commit slot held that long).
 */
import { assertEquals, assertLess } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL commit connection-loss tests");

Deno.test({
  name: "a group commit waiting for a pool connection commits when the pool's connections are lost meanwhile",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, observer) => {
      const proxy = tcpProxy(new URL(url));
      const store = await openPostgresStore(proxy.url(url), { maxConnections: 2 });
      try {
        await store.putChargePoint({ ...emptyRecord("CP-A", new Date("2024-05-01T09:00:00Z")) });
        // Both pool connections busy: reads waiting on a table lock held by the test.
        const locked = Promise.withResolvers<void>();
        const release = Promise.withResolvers<void>();
        const holding = observer.begin(async (tx) => {
          await tx`lock table charge_points in access exclusive mode`;
          locked.resolve();
          await release.promise;
        });
        await locked.promise;
        const reads = [1, 2].map(() =>
          store.listChargePoints({ limit: 10 }).then(() => "read", () => "failed")
        );
        let busy: { pid: number }[] = [];
        for (let i = 0; i < 200 && busy.length < 2; i++) {
          await new Promise((r) => setTimeout(r, 10));
          busy = await observer<{ pid: number }[]>`
            select pid from pg_stat_activity where datname = current_database() and application_name = 'ocpp-csms' and wait_event_type = 'Lock'
          `;
        }
        assertEquals(busy.length, 2, "both pool connections wait on the lock");
        // The commit waits for a connection; then one of the busy ones is lost.
        const started = performance.now();
        const committed = store.commit({ chargePointId: "CP-A", lastSeen: "2024-05-01T10:00:00.000Z" }).then(
          (r) => r.ok ? "committed" : "conflict",
          (e: Error) => e.message,
        );
        await new Promise((r) => setTimeout(r, 100));
        proxy.cut();
        await new Promise((r) => setTimeout(r, 100));
        release.resolve();
        await holding;
        assertEquals(await committed, "committed");
        assertLess(performance.now() - started, 5_000, "committed without waiting for the bound");
        assertEquals(await Promise.all(reads), ["failed", "failed"]);
        assertEquals((await store.getChargePoint("CP-A"))?.lastSeen, "2024-05-01T10:00:00.000Z");
      } finally {
        await store.close();
        await proxy.close();
      }
    });
  },
});
