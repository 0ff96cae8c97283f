/**
 * Migration 016 (open transactions in a table of their own): a database written before it finds its active
 * transactions through the store afterwards, and a stop then updates the transaction's row in place (HOT: no
 * index of `transactions` names a column a stop changes).
 */
import { assertEquals } from "@std/assert";
import { freshDatabase, ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { at, startInput, stopInput } from "../contract/harness.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL open transaction tests");

Deno.test({
  name: "migration 016 keeps the active transactions written before it open, and their stops close them",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (url, sql) => {
      const before = MIGRATIONS.filter((m) => m.version < 16);
      assertEquals(await migrate(sql, before), before.map((m) => m.version));
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-1', now(), now())`;
      const insert = async (connector: number, tag: string, minutes: number) => {
        const [row] = await sql<{ transaction_id: number }[]>`
          insert into transactions (charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start,
            start_timestamp, created_at)
          values ('CP-1', ${connector}, ${tag}, 'Accepted', 0, ${at(minutes)}, now())
          returning transaction_id
        `;
        return row!.transaction_id;
      };
      const open1 = await insert(1, "TAG-A", 0);
      const done = await insert(2, "TAG-A", 1);
      await sql`
        update transactions set status = 'finished', meter_stop = 10, stop_timestamp = ${
        at(2)
      }, stopped_at = now()
        where transaction_id = ${done}
      `;
      const open2 = await insert(2, "TAG-B", 3);
      assertEquals(await migrate(sql), MIGRATIONS.filter((m) => m.version >= 16).map((m) => m.version));

      const store = await openPostgresStore(url);
      try {
        const ids = (records: { transactionId: number }[]) => records.map((r) => r.transactionId);
        assertEquals(ids(await store.findActiveTransactionsOn("CP-1", 1)), [open1]);
        assertEquals(ids(await store.findActiveTransactionsOn("CP-1", 2)), [open2]);
        assertEquals((await store.findActiveTransactionByIdTag("TAG-A"))?.transactionId, open1);
        // A start on a connector whose old transaction is open supersedes it, as before the migration.
        const next = await store.startTransaction(
          startInput({ connectorId: 1, idTag: "TAG-C", timestamp: at(5) }),
        );
        assertEquals([next.replayed, ids(next.superseded)], [false, [open1]]);
        const newId = next.transaction.transactionId;
        assertEquals((await store.getTransaction(open1))?.status, "superseded");
        assertEquals(ids(await store.findActiveTransactionsOn("CP-1", 1)), [newId]);
        assertEquals(await store.findActiveTransactionByIdTag("TAG-A"), null);
        // Stops close them; a replayed stop answers the same and changes nothing.
        const stop = stopInput(open2, { idTag: "TAG-B", timestamp: at(6) });
        const first = await store.stopTransaction(stop);
        assertEquals(first.outcome, "stopped");
        assertEquals(await store.stopTransaction(stop), { ...first, outcome: "replayed" });
        await store.stopTransaction(stopInput(newId, { idTag: "TAG-C", timestamp: at(7) }));
        assertEquals(await store.findActiveTransactionsOn("CP-1", 2), []);
        assertEquals(await store.findActiveTransactionsOn("CP-1", 1), []);
        assertEquals(await store.findActiveTransactionByIdTag("TAG-B"), null);
        assertEquals([...await sql`select * from open_transactions`], []);
        assertEquals(
          (await store.listTransactions({ chargePointId: "CP-1", limit: 10 })).map((
            t,
          ) => [t.transactionId, t.status]),
          [[newId, "finished"], [open2, "finished"], [done, "finished"], [open1, "superseded"]],
        );
      } finally {
        await store.close();
      }
    });
  },
});

Deno.test({
  name: "a stop updates its transaction's row in place (heap-only: no index entry written)",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (url, sql) => {
      const store = await openPostgresStore(url);
      const started: number[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          const out = await store.startTransaction(
            startInput({ connectorId: i + 1, idTag: `TAG-${i}`, timestamp: at(i) }),
          );
          started.push(out.transaction.transactionId);
        }
        for (const [i, id] of started.entries()) {
          await store.stopTransaction(stopInput(id, { idTag: `TAG-${i}`, timestamp: at(30 + i) }));
        }
      } finally {
        // The store's backends report their statistics when they end.
        await store.close();
      }
      let stats: { upd: number; hot: number } | undefined;
      for (let wait = 0; wait < 50; wait++) {
        [stats] = await sql<{ upd: number; hot: number }[]>`
          select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables
          where relname = 'transactions'
        `;
        if ((stats?.upd ?? 0) >= started.length) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assertEquals(stats, { upd: started.length, hot: started.length });
    });
  },
});

Deno.test({
  name:
    "a start that is skipped while its member supersedes a transaction by it is a conflict, nothing written",
  ignore,
  fn: async () => {
    const db = await freshDatabase();
    try {
      const store = await openPostgresStore(db.url);
      try {
        const { transaction: old } = await store.startTransaction(startInput({ timestamp: at(0) }));
        // A start under the old one's replay key (its insert is skipped) that supersedes the old one: the
        // update must not be sent before the start is answered (its superseded_by would point at no row).
        const id = await store.newTransactionId();
        const result = await store.commit({
          chargePointId: "CP-1",
          transactionsStarted: [{ ...old, transactionId: id }],
          transactionUpdates: [{
            transaction: { ...old, status: "superseded", supersededBy: id },
            expectedStatus: "active",
          }],
        });
        assertEquals(result.ok, false);
        assertEquals((await store.getTransaction(old.transactionId))?.status, "active");
        assertEquals(await store.getTransaction(id), null);
        assertEquals(
          (await store.findActiveTransactionsOn("CP-1", 1)).map((t) => t.transactionId),
          [old.transactionId],
        );
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  },
});
