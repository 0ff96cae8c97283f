/**
 * Migration 054 (a status report stored once): a database that held copies of a report (a StatusNotification
 * sent again, each copy a row) keeps the first row of each, the rows that differ in anything the station
 * said stay, and a copy written afterwards is left out.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { at } from "../contract/harness.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL status history migration test");

Deno.test({
  name: "migration 054 keeps the first row of each report, every differing one, and refuses copies after",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (url, sql) => {
      const before = MIGRATIONS.filter((m) => m.version < 54);
      assertEquals(await migrate(sql, before), before.map((m) => m.version));
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-1', now(), now())`;
      const rows: [number | null, string | null, string | null, string][] = [
        // [evse_id, error_code, info, received_at]: the first three one report (no EVSE, no info alike).
        [null, "GroundFailure", null, at(1)],
        [null, "GroundFailure", null, at(2)],
        [null, "GroundFailure", null, at(3)],
        [null, "GroundFailure", "earth leak", at(4)],
        [2, null, null, at(5)],
        [2, null, null, at(6)],
        [null, null, null, at(7)],
      ];
      for (const [evse, code, info, receivedAt] of rows) {
        await sql`
          insert into status_history (charge_point_id, connector_id, status, error_code, info, timestamp,
            received_at, evse_id)
          values ('CP-1', 1, 'Faulted', ${code}, ${info}, ${at(0)}, ${receivedAt}, ${evse})
        `;
      }
      assertEquals(await migrate(sql), MIGRATIONS.filter((m) => m.version >= 54).map((m) => m.version));
      const store = await openPostgresStore(url);
      try {
        const kept = await store.listStatusHistory("CP-1", 20);
        assertEquals(kept.map((e) => e.receivedAt), [at(7), at(5), at(4), at(1)]);
        await store.appendStatusHistory({ ...kept.at(-1)!, receivedAt: at(8) });
        assertEquals((await store.listStatusHistory("CP-1", 20)).length, 4);
      } finally {
        await store.close();
      }
    });
  },
});
