/**
 * A snapshot patch writes the columns it names: a large column it does not name (a configuration stored out
 * of line, in TOAST) keeps its stored value as it is, with no new copy written; the batch's touches ride in the
 * patches' statement.
 */
import { assertEquals } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { PgChargePoints } from "./charge_points.ts";
import type { Writer } from "./sql.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL snapshot patch tests");

Deno.test({
  name:
    "a snapshot patch leaves a large configuration it does not name where it is stored (no TOAST rows written)",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, sql) => {
      await (await openPostgresStore(url)).close(); // migrations
      const chargePoints = new PgChargePoints(sql);
      // Values that do not compress away: the column goes out of line.
      const configuration = Array.from({ length: 300 }, (_, i) => ({
        key: `Key${i}`,
        readonly: false,
        value: crypto.randomUUID(),
      }));
      const at = new Date("2024-05-01T10:00:00Z");
      await chargePoints.putChargePoint({ ...emptyRecord("CP-T", at), configuration });
      const [table] = await sql<{ toast: number }[]>`
        select reltoastrelid::int as toast from pg_class where relname = 'charge_points'`;
      const c = await sql.reserve();
      try {
        await c`begin`;
        // This backend's counts not yet reported to the statistics (earlier transactions' included): a delta.
        const toastRowsWritten = async () =>
          (await c<{ n: number }[]>`select pg_stat_get_xact_tuples_inserted(${table!.toast})::int as n`)[0]!
            .n;
        const before = await toastRowsWritten();
        const connectors = [{
          connectorId: 1,
          status: "Charging" as const,
          errorCode: "NoError" as const,
          timestamp: "2024-05-01T10:01:00.000Z",
        }];
        await chargePoints.writeSnapshots(c, [{
          chargePointId: "CP-T",
          snapshot: { connectors },
          lastSeen: "2024-05-01T10:01:00.000Z",
        }]);
        assertEquals(await toastRowsWritten() - before, 0);
        await c`commit`;
        const stored = await chargePoints.getChargePoint("CP-T");
        assertEquals(stored?.connectors, connectors);
        assertEquals(stored?.lastSeen, "2024-05-01T10:01:00.000Z");
        assertEquals(stored?.configuration, configuration);
      } finally {
        c.release();
      }
    });
  },
});

Deno.test({
  name: "the touches of a batch with snapshot patches go in the patches' one statement",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, sql) => {
      await (await openPostgresStore(url)).close(); // migrations
      const chargePoints = new PgChargePoints(sql);
      const at = new Date("2024-05-01T10:00:00Z");
      await chargePoints.putChargePoint(emptyRecord("CP-P", at));
      await chargePoints.putChargePoint(emptyRecord("CP-T", at));
      const c = await sql.reserve();
      try {
        let statements = 0;
        const counted = ((strings: TemplateStringsArray, ...values: unknown[]) => {
          statements++;
          return c(strings, ...(values as never[]));
        }) as unknown as Writer;
        const members = [
          {
            chargePointId: "CP-P",
            snapshot: { firmwareStatus: "Installed" },
            lastSeen: "2024-05-01T10:01:00.000Z",
          },
          { chargePointId: "CP-T", lastSeen: "2024-05-01T10:02:00.000Z" },
        ];
        await c`begin`;
        await chargePoints.writeSnapshots(counted, members);
        await chargePoints.writeTouches(counted, members);
        await c`commit`;
        assertEquals(statements, 1);
        const patched = await chargePoints.getChargePoint("CP-P");
        assertEquals([patched?.firmwareStatus, patched?.lastSeen], ["Installed", "2024-05-01T10:01:00.000Z"]);
        const touched = await chargePoints.getChargePoint("CP-T");
        assertEquals([touched?.firmwareStatus, touched?.lastSeen], [null, "2024-05-01T10:02:00.000Z"]);
        // Without a patch in the batch, the touches' own statement.
        statements = 0;
        await c`begin`;
        await chargePoints.writeSnapshots(counted, members.slice(1));
        await chargePoints.writeTouches(counted, [{
          chargePointId: "CP-T",
          lastSeen: "2024-05-01T10:03:00.000Z",
        }]);
        await c`commit`;
        assertEquals(statements, 1);
        assertEquals((await chargePoints.getChargePoint("CP-T"))?.lastSeen, "2024-05-01T10:03:00.000Z");
      } finally {
        c.release();
      }
    });
  },
});
