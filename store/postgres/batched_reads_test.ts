/**
 * The batched hot-path reads of the PostgreSQL store: many stations asking at once get one statement per kind
 * of read, and every caller still gets exactly its own answer, even when one key in a batch is one the database
 * refuses.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import type { StartTransactionInput } from "../../model/transaction.ts";
import { byKey, oneByKey } from "./batched_reads.ts";
import { openPostgresStore, type PostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL batched read tests");

async function withStore(fn: (store: PostgresStore) => Promise<void>): Promise<void> {
  const db = await migratedDatabase();
  const store = await openPostgresStore(db.url);
  try {
    await fn(store);
  } finally {
    await store.close();
    await db.drop();
  }
}

function start(i: number): StartTransactionInput {
  return {
    chargePointId: `CP-${i}`,
    connectorId: 1 + (i % 2),
    idTag: `TAG-${i % 7}`,
    idTagStatus: "Accepted",
    meterStart: 1000 + i,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    reservationId: null,
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 1, i)).toISOString(),
  };
}

Deno.test({
  name: "PostgresStore reads asked at once by many stations each get their own answer",
  ignore,
  fn: () =>
    withStore(async (store) => {
      for (let t = 0; t < 7; t += 2) {
        await store.putIdTag({ idTag: `TAG-${t}`, status: "Accepted", expiryDate: null, parentIdTag: null });
      }
      const inputs = Array.from({ length: 40 }, (_, i) => start(i));
      // Half of them started: the others are unknown keys in the same batches.
      const started = await Promise.all(inputs.slice(0, 20).map((i) => store.startTransaction(i)));
      const ids = started.map((s) => s.transaction.transactionId);

      const [tags, byStart, active, byId] = await Promise.all([
        Promise.all(Array.from({ length: 7 }, (_, t) => store.getIdTag(`TAG-${t}`))),
        Promise.all(inputs.map((i) => store.findTransactionByStart(i))),
        Promise.all(inputs.map((i) => store.findActiveTransactionsOn(i.chargePointId, i.connectorId))),
        Promise.all([...ids, 999_999, ...ids.slice(0, 3)].map((id) => store.getTransaction(id))),
      ]);
      assertEquals(tags.map((t) => t?.idTag ?? null), ["TAG-0", null, "TAG-2", null, "TAG-4", null, "TAG-6"]);
      assertEquals(byStart.map((t) => t?.transactionId ?? null), [
        ...ids,
        ...inputs.slice(20).map(() => null),
      ]);
      assertEquals(active.map((ts) => ts.map((t) => t.transactionId)), [
        ...ids.map((id) => [id]),
        ...inputs.slice(20).map(() => []),
      ]);
      assertEquals(byId.map((t) => t?.transactionId ?? null), [...ids, null, ...ids.slice(0, 3)]);
      assertEquals(byId[0]?.chargePointId, "CP-0");
      assertEquals(byStart[5]?.meterStart, 1005);
    }),
});

Deno.test({
  name: "PostgresStore: a key the database refuses fails only its own read, not the others batched with it",
  ignore,
  fn: () =>
    withStore(async (store) => {
      const inputs = Array.from({ length: 10 }, (_, i) => start(i));
      const started = await Promise.all(inputs.map((i) => store.startTransaction(i)));
      // Past bigint: PostgreSQL refuses it as a meter_start.
      const bad = { ...start(99), meterStart: 2 ** 70 };
      const reads = [...inputs.slice(0, 5), bad, ...inputs.slice(5)].map((i) =>
        store.findTransactionByStart(i)
      );
      const settled = await Promise.allSettled(reads);
      assertEquals(settled[5]?.status, "rejected");
      const answers = settled.filter((_, k) => k !== 5).map((s) =>
        s.status === "fulfilled" ? s.value?.transactionId ?? null : "failed"
      );
      assertEquals(answers, started.map((s) => s.transaction.transactionId));
      await assertRejects(() => reads[5]!);
    }),
});

Deno.test("byKey() gives each key its own rows in the keys' order, none for a key without rows", () => {
  const rows = [{ id: "b", n: 1 }, { id: "a", n: 2 }, { id: "b", n: 3 }];
  assertEquals(byKey(rows, ["a", "c", "b", "a"], (r) => r.id), [
    [{ id: "a", n: 2 }],
    [],
    [{ id: "b", n: 1 }, { id: "b", n: 3 }],
    [{ id: "a", n: 2 }],
  ]);
});

Deno.test("oneByKey() gives each key its row converted, in the keys' order, null for a key without one", () => {
  const rows = [{ id: "b", n: 1 }, { id: "a", n: 2 }];
  assertEquals(oneByKey(rows, ["a", "c", "b", "a"], (r) => r.id, (r) => r.n * 10), [20, null, 10, 20]);
});
