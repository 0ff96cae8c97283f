/**
 * A group commit whose statement runs past the store's bound (a slow disk, a trigger, a statement PostgreSQL
 * keeps working on): its members fail at the bound, and the connection it reserved is not kept reserved until
 * the statement ends. The statement is cancelled, the transaction rolled back and the connection given back, so
 * a pool of one answers the next commit. The slow statement is a trigger of this test's own database.
 */
import { assertEquals, assertInstanceOf } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { StoreUnavailableError } from "../mod.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL group commit bound tests");

Deno.test({
  name: "a group commit past its bound gives its connection back: a pool of one answers the next commit",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url, { maxConnections: 1, operationTimeoutMs: 2_000 });
      try {
        await store.putChargePoint(emptyRecord("CP-SLOW", new Date("2024-05-01T09:00:00Z")));
        await store.putChargePoint(emptyRecord("CP-NEXT", new Date("2024-05-01T09:00:00Z")));
        // Any write of CP-SLOW's row holds its statement for a minute, far past the 2 s bound.
        await observer.unsafe(`
          create function robust_slow_row() returns trigger language plpgsql as $$
          begin perform pg_sleep(60); return new; end $$;
          create trigger robust_slow_row before update on charge_points
          for each row when (new.id = 'CP-SLOW') execute function robust_slow_row();
        `);
        const failed = await store.commit({ chargePointId: "CP-SLOW", lastSeen: "2024-05-01T10:00:00.000Z" })
          .then((r) => r, (e: unknown) => e);
        assertInstanceOf(failed, StoreUnavailableError, JSON.stringify(failed));
        // The pool's one connection is free again: the next station's commit is answered within its bound
        // (kept reserved, it failed after the bound with StoreUnavailableError).
        assertEquals(
          await store.commit({ chargePointId: "CP-NEXT", lastSeen: "2024-05-01T10:00:00.000Z" }),
          { ok: true, meterValuesAdded: 0 },
        );
        assertEquals(
          (await store.getChargePoint("CP-SLOW"))?.lastSeen,
          null,
          "the slow write was not stored",
        );
        const sleeping = await observer`
          select pid from pg_stat_activity
          where datname = current_database() and wait_event = 'PgSleep'
        `;
        assertEquals(sleeping.length, 0, "no statement of the given-up commit is left running");
      } finally {
        await store.close();
      }
    }),
});
