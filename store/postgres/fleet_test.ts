/**
 * The PostgreSQL FleetStore against the FleetStore contract, each case on a fresh database (dropped
 * afterwards). With `CI=true` the tests always run; elsewhere they are ignored, with a reason, without a server.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { startInput, stopInput } from "../contract/harness.ts";
import { fleetContract } from "../contract/fleet.ts";
import { openPostgresStore } from "./mod.ts";
import { openPostgresFleetStore } from "./fleet.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL fleet store tests");

fleetContract("postgres", async () => {
  const db = await migratedDatabase("csms_fleet_test");
  try {
    const store = await openPostgresStore(db.url);
    return { store, fleet: await openPostgresFleetStore(db.url, { migrate: false }), cleanup: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });

Deno.test({
  name: "PostgreSQL: a stop whose flag the database refuses is not stored either (one commit)",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("csms_flag_test");
    const store = await openPostgresStore(db.url);
    const fleet = await openPostgresFleetStore(db.url, { migrate: false });
    try {
      await store.putChargePoint(emptyRecord("CP-1", new Date(startInput().timestamp)));
      const id = (await store.startTransaction(startInput())).transaction.transactionId;
      const flag = {
        transactionId: id,
        kind: "closed_by_operator" as const,
        chargePointId: "CP-1",
        connectorId: 1,
        at: stopInput(id).receivedAt,
        // jsonb cannot hold U+0000: the API refuses it, so only a bug would bring one here.
        details: { by: "user:root", reason: "a\u0000b" },
      };
      const stop = stopInput(id, { reason: "ClosedByOperator" });
      await assertRejects(() => store.stopTransaction(stop, [flag]));
      assertEquals((await store.getTransaction(id))?.status, "active");
      assertEquals(await fleet.flags.listFlags({ transactionId: id, limit: 10 }), []);
      const kept = { ...flag, details: { by: "user:root", reason: "stuck" } };
      assertEquals((await store.stopTransaction(stop, [kept])).outcome, "stopped");
      assertEquals(await fleet.flags.listFlags({ transactionId: id, limit: 10 }), [kept]);
    } finally {
      await fleet.close();
      await store.close();
      await db.drop();
    }
  },
});
