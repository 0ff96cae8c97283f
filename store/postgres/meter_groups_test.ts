/**
 * Migration 015 (meter values one row per `meterValue` element): a database written in the old shape (one
 * row per sampled value) reads back the same through the store after the upgrade, a replay of an old frame
 * adds nothing, and new frames are stored one row per element.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { at, meterRow } from "../contract/harness.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";
import { openPostgresStore } from "./mod.ts";
import { PostgresRetentionStore } from "./retention.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL meter group tests");

Deno.test({
  name: "migration 015 keeps meter values written one row per sampled value, readable and deduplicated",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (url, sql) => {
      const before = MIGRATIONS.filter((m) => m.version < 15);
      assertEquals(await migrate(sql, before), before.map((m) => m.version));
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-1', now(), now())`;
      const [started] = await sql<{ transaction_id: number }[]>`
        insert into transactions (charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start,
          start_timestamp, created_at)
        values ('CP-1', 1, 'TAG', 'Accepted', 0, ${at(0)}, now())
        returning transaction_id
      `;
      const transactionId = started!.transaction_id;
      const frame = (minutes: number, tx: number | null, values: string[]) =>
        values.map((value, i) =>
          meterRow({
            transactionId: tx,
            timestamp: at(minutes),
            value,
            measurand: i === 0 ? "Energy.Active.Import.Register" : "Voltage",
            phase: i === 0 ? null : `L${i}`,
            unit: i === 0 ? "Wh" : "V",
            receivedAt: at(minutes + 0.01),
          })
        );
      const old = [...frame(10, transactionId, ["100", "230", "231"]), ...frame(11, null, ["5"])];
      for (const r of old) {
        // The shape 001-014 wrote: one row per sampled value, phase '' for none.
        await sql`
          insert into meter_values (charge_point_id, connector_id, transaction_id, timestamp, value, context,
            format, measurand, phase, location, unit, received_at)
          values (${r.chargePointId}, ${r.connectorId}, ${r.transactionId}, ${r.timestamp}, ${r.value},
            ${r.context}, ${r.format}, ${r.measurand}, ${
          r.phase ?? ""
        }, ${r.location}, ${r.unit}, ${r.receivedAt})
        `;
      }
      assertEquals(await migrate(sql), MIGRATIONS.filter((m) => m.version >= 15).map((m) => m.version));

      const store = await openPostgresStore(url);
      try {
        const inTx = old.slice(0, 3);
        assertEquals(await store.listMeterValuesByTransaction(transactionId), inTx);
        assertEquals(await store.listMeterValuesByChargePoint("CP-1", 10), [...old].reverse());
        // A replay of the old frames adds nothing; a frame overlapping one adds only its new value.
        assertEquals(await store.addMeterValues(old), 0);
        const overlap = frame(10, transactionId, ["100", "230", "231", "232"]);
        assertEquals(await store.addMeterValues(overlap), 1);
        // A new frame: all its values, one group row.
        const fresh = frame(12, transactionId, ["200", "229", "228"]);
        assertEquals(await store.addMeterValues(fresh), 3);
        assertEquals(await store.addMeterValues(fresh), 0);
        const [groups] = await sql`select count(*)::int as n from meter_groups`;
        assertEquals(groups?.n, 1);
        assertEquals(await store.listMeterValuesByTransaction(transactionId), [...overlap, ...fresh]);
        const newest: MeterValueRow[] = [...fresh].reverse().concat(
          old[3]!,
          overlap[3]!,
          ...[...inTx].reverse(),
        );
        assertEquals(await store.listMeterValuesByChargePoint("CP-1", 10), newest);
        assertEquals(await store.listMeterValuesByChargePoint("CP-1", 4), newest.slice(0, 4));

        // Retention counts values in both tables: 5 old rows, then the group of 3.
        const retention = new PostgresRetentionStore(sql);
        assertEquals(await retention.pruneMeterValues(at(13), 6), 5);
        assertEquals(await retention.pruneMeterValues(at(13), 6), 3);
        assertEquals(await store.listMeterValuesByChargePoint("CP-1", 10), []);
      } finally {
        await store.close();
      }
    });
  },
});
