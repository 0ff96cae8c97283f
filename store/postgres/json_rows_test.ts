/**
 * The commit's transaction and snapshot statements carry their rows as one JSON text parameter
 * (`json_param.ts`): one parameter however many rows, and a station's lone surrogate stored as U+FFFD.
 */
import { openPostgresPool } from "../../postgres_pool.ts";
import { assertEquals } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import type { StationChanges } from "../../model/changes.ts";
import { startedTransaction } from "../../model/transaction.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { openPostgresStore } from "./mod.ts";
import { PgTransactions } from "./transactions.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL JSON row parameter tests");

function start(chargePointId: string, transactionId: number, idTag = "TAG-1"): StationChanges {
  const transaction = startedTransaction({
    chargePointId,
    connectorId: 1,
    idTag,
    idTagStatus: "Accepted",
    meterStart: 100,
    timestamp: "2024-05-01T10:00:00.000Z",
    reservationId: null,
    receivedAt: "2024-05-01T10:00:01.000Z",
  }, transactionId);
  return { chargePointId, transactionsStarted: [transaction] };
}

Deno.test({
  name: "a batch of starts and of their stops sends its rows as one parameter, however many there are",
  ignore,
  fn: async () => {
    const db = await migratedDatabase();
    const parameters: Record<string, number[]> = { insert: [], update: [] };
    const sql = openPostgresPool(db.url, {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query, params) => {
        if (/insert into transactions/.test(query)) parameters.insert!.push(params.length);
        if (/update transactions/.test(query)) parameters.update!.push(params.length);
      },
    });
    try {
      await (await openPostgresStore(db.url)).close(); // migrations
      const transactions = new PgTransactions(sql);
      for (const size of [1, 40]) {
        const ids = Array.from({ length: size }, (_, i) => size * 100 + i);
        const starts = ids.map((id, i) => start(`CP-${size}-${i}`, id));
        const stops = starts.map((m): StationChanges => {
          const t = m.transactionsStarted![0]!;
          const stopped = {
            ...t,
            status: "finished" as const,
            meterStop: 200,
            stopTimestamp: "2024-05-01T11:00:00.000Z",
            stopReason: "Local",
            stoppedAt: "2024-05-01T11:00:01.000Z",
          };
          return {
            chargePointId: m.chargePointId,
            transactionUpdates: [{ transaction: stopped, expectedStatus: "active" }],
          };
        });
        await sql`insert into charge_points (id, created_at, updated_at)
          select unnest(${starts.map((m) => m.chargePointId)}::text[]), now(), now()`;
        const c = await sql.reserve();
        try {
          await c`begin`;
          assertEquals((await transactions.writeStarts(c, starts)).conflicts.size, 0);
          assertEquals((await transactions.writeUpdates(c, stops)).conflicts.size, 0);
          await c`commit`;
        } finally {
          c.release();
        }
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from transactions where status = 'finished' and transaction_id = any(${ids})`;
        assertEquals(row!.n, size);
      }
      assertEquals(parameters, { insert: [1, 1], update: [1, 1] });
    } finally {
      await sql.end();
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "a start and a snapshot carrying a lone surrogate (valid JSON, not valid Unicode) store U+FFFD in its place",
  ignore,
  fn: async () => {
    const db = await migratedDatabase();
    const store = await openPostgresStore(db.url);
    try {
      await store.putChargePoint(emptyRecord("CP-S", new Date("2024-05-01T09:00:00Z")));
      const id = await store.newTransactionId();
      const changes: StationChanges = {
        ...start("CP-S", id!, "TAG\ud800"),
        snapshot: {
          connectors: [{
            connectorId: 1,
            status: "Charging",
            errorCode: "NoError",
            info: "warm\udc00",
            timestamp: "2024-05-01T10:00:00.000Z",
            transactionId: id!,
          }],
        },
      };
      assertEquals(await store.commit(changes), { ok: true, meterValuesAdded: 0 });
      assertEquals((await store.getTransaction(id!))?.idTag, "TAG\ufffd");
      assertEquals((await store.getChargePoint("CP-S"))?.connectors[0]?.info, "warm\ufffd");
    } finally {
      await store.close();
      await db.drop();
    }
  },
});
