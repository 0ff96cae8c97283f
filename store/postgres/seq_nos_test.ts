/**
 * OCPP 2.0.1 seqNos on PostgreSQL: `seq_nos` holds ranges (two-dimensional, `{{first,last},...}`); a row
 * written before ranges holds every seqNo (one-dimensional), reads as ranges and is written back as ranges.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { decideTransactionEvent, type TransactionEventInput } from "../../model/transaction_event.ts";
import { transactionEvent as event } from "../contract/ocpp201.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL seqNo tests");

Deno.test({
  name: "PostgreSQL: a transaction row listing every seqNo reads as ranges and is written back as ranges",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, sql) => {
      const store = await openPostgresStore(url);
      try {
        // As the actor does: a conflict (the row changed behind the store's back) is decided again.
        const apply = async (input: TransactionEventInput) => {
          for (let attempt = 0; attempt < 5; attempt++) {
            const { outcome, changes } = await decideTransactionEvent(input, store);
            if ((await store.commit({ chargePointId: input.chargePointId, ...changes })).ok) return outcome;
          }
          throw new Error(`seqNo ${input.seqNo} still conflicts`);
        };
        const started = await apply(event({ eventType: "Started", evseId: 1, idToken: "TOKEN-1" }));
        const id = started.transaction!.transactionId;
        assertEquals((await sql`select seq_nos from transactions`)[0]?.seq_nos, [[0, 0]]);
        // As a version before ranges wrote it.
        await sql`update transactions set seq_nos = '{0,1,2,5}' where transaction_id = ${id}`;
        assertEquals((await store.getTransaction(id))?.seqNoRanges, [[0, 2], [5, 5]]);
        assertEquals((await apply(event({ seqNo: 1 }))).outcome, "replayed");
        assertEquals((await apply(event({ seqNo: 3 }))).outcome, "applied");
        assertEquals((await sql`select seq_nos from transactions`)[0]?.seq_nos, [[0, 3], [5, 5]]);
      } finally {
        await store.close();
      }
    });
  },
});
