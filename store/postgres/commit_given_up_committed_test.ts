/**
 * A group commit given up at its bound may still commit: its COMMIT was on its way (here a deferred trigger of
 * this test's own database holds the COMMIT past the bound, and shrugs off the bound's cancel). Its station heard
 * InternalError and sends the same CALL again (OCPP 1.6 §4.10): the retry must store nothing twice, neither a
 * meter value nor the transaction, although this store's own memory took the late COMMIT as done.
 */
import { assertEquals, assertInstanceOf } from "@std/assert";
import { startedTransaction } from "../../model/transaction.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { eventually } from "../../tests/helpers/server.ts";
import { at, meterRow as contractMeterRow, startInput } from "../contract/harness.ts";
import { StoreUnavailableError } from "../mod.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL given-up group commit tests");

const CP = "CP-LATE";

function meterRow(i: number): MeterValueRow {
  return contractMeterRow({ chargePointId: CP, timestamp: at(20 + i), value: String(1000 + i) });
}

Deno.test({
  name: "a group commit given up at its bound that commits anyway: the station's retry stores nothing twice",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      // At COMMIT, the start's insert sleeps past the 1 s bound; the bound's cancel only ends the sleep.
      await observer.unsafe(`
        create function giveup_late_commit() returns trigger language plpgsql as $$
        begin
          begin perform pg_sleep(5); exception when query_canceled then null; end;
          return null;
        end $$;
        create constraint trigger giveup_late_commit after insert on transactions
        deferrable initially deferred for each row execute function giveup_late_commit();
      `);
      const store = await openPostgresStore(url, { operationTimeoutMs: 1_000 });
      try {
        const input = startInput({ chargePointId: CP });
        const meterValues = [meterRow(1), meterRow(2), meterRow(3)];
        const first = await store.commit({
          chargePointId: CP,
          transactionsStarted: [startedTransaction(input, await store.newTransactionId())],
          meterValues,
        }).then((r) => r, (e: unknown) => e);
        assertInstanceOf(first, StoreUnavailableError, JSON.stringify(first));
        const count = async (table: "transactions" | "meter_value_rows") =>
          (await observer`select count(*)::int as n from ${observer(table)} where charge_point_id = ${CP}`)[0]
            ?.n;
        await eventually(async () => await count("transactions") === 1, 5_000, "the late COMMIT");
        await observer`drop trigger giveup_late_commit on transactions`;

        // The retries: the MeterValues CALL and the StartTransaction CALL (a new id, the same replay key).
        assertEquals(await store.commit({ chargePointId: CP, meterValues }), {
          ok: true,
          meterValuesAdded: 0,
        });
        const again = await store.commit({
          chargePointId: CP,
          transactionsStarted: [startedTransaction(input, await store.newTransactionId())],
        });
        assertEquals(again.ok, false, JSON.stringify(again));
        assertEquals(await count("transactions"), 1);
        assertEquals(await count("meter_value_rows"), meterValues.length);
      } finally {
        await store.close();
      }
    }),
});
