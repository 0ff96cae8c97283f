/**
 * RecalledTransactions, and the PostgreSQL store that answers a Stop's `getTransaction` from it: the same
 * record a read gives, and a row another writer changed meanwhile is read again, not overwritten.
 */
import { openPostgresPool } from "../../postgres_pool.ts";
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { startedTransaction, type TransactionRecord, withEnergy } from "../../model/transaction.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { at, chargePoint, startInput, stopInput } from "../contract/harness.ts";
import { openPostgresStore } from "./mod.ts";
import { asRead, RecalledTransactions } from "./recalled_transactions.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL recalled transaction tests");

Deno.test("RecalledTransactions keeps active transactions with their version, and forgets ended ones", () => {
  const recalled = new RecalledTransactions(2);
  const t = (id: number) => startedTransaction(startInput({ timestamp: "2024-05-01T10:00:00Z" }), id);
  recalled.committed([{ chargePointId: "CP-1", transactionsStarted: [t(1)] }], "100");
  assertEquals([recalled.get(1)?.startTimestamp, recalled.versionOf(1)], ["2024-05-01T10:00:00.000Z", "100"]);
  recalled.committed([{
    chargePointId: "CP-1",
    transactionUpdates: [{ transaction: { ...t(1), status: "finished" }, expectedStatus: "active" }],
  }], "101");
  assertEquals(recalled.get(1), undefined);
  recalled.committed([{ chargePointId: "CP-1", transactionsStarted: [t(2)] }], "102");
  recalled.committed([{ chargePointId: "CP-2", transactionsStarted: [t(3)] }], "103");
  recalled.committed([{ chargePointId: "CP-3", transactionsStarted: [t(4)] }], "104");
  assertEquals([2, 3, 4].map((id) => recalled.versionOf(id)), [undefined, "103", "104"]);
  recalled.forget([{ chargePointId: "CP-2", transactionsStarted: [t(3)] }]);
  assertEquals(recalled.get(3), undefined);
});

/** What `asRead` gave when it was built from entries, deletes and a spread: the reference it is held to. */
function asReadReference(t: TransactionRecord): TransactionRecord {
  const time = (s: string | null) => s === null ? null : new Date(s).toISOString();
  const text = Object.fromEntries(
    Object.entries(t).map(([k, v]) => [k, typeof v === "string" ? v.toWellFormed() : v]),
  ) as unknown as TransactionRecord;
  for (const k of ["stationTransactionId", "seqNoRanges", "seqNos", "remoteStartId"] as const) {
    if (text[k] === null || text[k] === undefined) delete text[k];
  }
  if (!text.meterStartUnknown) delete text.meterStartUnknown;
  return withEnergy({
    ...text,
    startTimestamp: new Date(t.startTimestamp).toISOString(),
    stopTimestamp: time(t.stopTimestamp),
    createdAt: new Date(t.createdAt).toISOString(),
    stoppedAt: time(t.stoppedAt),
  });
}

Deno.test("a recalled transaction is the record a read gives: fields, their order, times, text, energy", () => {
  const time = fc.oneof(
    fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }).map((ms) =>
      new Date(ms).toISOString()
    ),
    fc.constantFrom("2024-05-01T10:00:00Z", "2024-05-01T12:00:00.5+02:00", "2024-02-29T23:59:59.999Z"),
  );
  const text = fc.oneof(fc.string(), fc.constantFrom("A\uD800", "\uDC00x", "TAG"));
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const record = fc.record({
    transactionId: fc.nat(),
    chargePointId: text,
    connectorId: fc.nat(),
    idTag: text,
    startIdTagStatus: fc.constant("Accepted" as const),
    meterStart: fc.integer(),
    startTimestamp: time,
    reservationId: fc.option(fc.nat()),
    status: fc.constantFrom("active" as const, "finished" as const),
    supersededBy: fc.option(fc.nat()),
    meterStop: fc.option(fc.integer()),
    stopTimestamp: fc.option(time),
    stopReason: fc.option(text),
    stopIdTag: fc.option(text),
    energyWh: fc.option(fc.integer()),
    createdAt: time,
    stoppedAt: fc.option(time),
    stationTransactionId: optional(fc.option(text)),
    remoteStartId: optional(fc.option(fc.nat())),
    seqNos: optional(fc.option(fc.array(fc.nat()))),
    meterStartUnknown: optional(fc.constant(true as const)),
    highestReading: optional(fc.integer()),
  }, {
    requiredKeys: [
      "transactionId",
      "chargePointId",
      "connectorId",
      "idTag",
      "startIdTagStatus",
      "meterStart",
      "startTimestamp",
      "reservationId",
      "status",
      "supersededBy",
      "meterStop",
      "stopTimestamp",
      "stopReason",
      "stopIdTag",
      "energyWh",
      "createdAt",
      "stoppedAt",
    ],
  });
  fc.assert(
    fc.property(record, (r) => {
      const t = r as TransactionRecord;
      const expected = asReadReference(t);
      const got = asRead(t);
      assertEquals(got, expected);
      assertEquals(Object.keys(got), Object.keys(expected));
    }),
    { numRuns: 500 },
  );
});

Deno.test({
  name: "a stop of a recalled transaction gives what a read gives; a row changed meanwhile is read again",
  ignore,
  fn: async () => {
    const db = await migratedDatabase();
    const observer = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    const a = await openPostgresStore(db.url);
    const b = await openPostgresStore(db.url);
    try {
      await a.putChargePoint(chargePoint("CP-1"));
      const first = await a.startTransaction(
        startInput({ timestamp: "2024-05-01T10:00:00Z", meterStart: 10 }),
      );
      const id = first.transaction.transactionId;
      const stopped = await a.stopTransaction(stopInput(id, { timestamp: at(20), meterStop: 110 }));
      assertEquals(stopped.transaction, await b.getTransaction(id));
      // Another writer changes an active transaction A recalls (a fix by hand): A's stop must not write back
      // its old copy; it conflicts, reads the row again, and stops what is stored.
      const second = await a.startTransaction(startInput({ timestamp: at(30), idTag: "TAG-OLD" }));
      const id2 = second.transaction.transactionId;
      await observer`update transactions set id_tag = 'TAG-FIXED' where transaction_id = ${id2}`;
      // A decision's lookup answers from the recall; the store's own method (the API's) reads.
      assertEquals((await a.decisionLookups.getTransaction(id2))?.idTag, "TAG-OLD");
      assertEquals((await a.getTransaction(id2))?.idTag, "TAG-FIXED");
      const stopped2 = await a.stopTransaction(stopInput(id2, { timestamp: at(40) }));
      assertEquals([stopped2.outcome, stopped2.transaction?.idTag], ["stopped", "TAG-FIXED"]);
      const [row] = await observer<{ id_tag: string; status: string }[]>`
        select id_tag, status from transactions where transaction_id = ${id2}`;
      assertEquals([row?.id_tag, row?.status], ["TAG-FIXED", "finished"]);
      // A replayed stop reads the finished row.
      const replay = await a.stopTransaction(stopInput(id2, { timestamp: at(40) }));
      assertEquals(replay.outcome, "replayed");
    } finally {
      await a.close();
      await b.close();
      await observer.end();
      await db.drop();
    }
  },
});
