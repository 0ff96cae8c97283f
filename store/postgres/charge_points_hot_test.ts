/**
 * A station's row is rewritten at every Start, Stop and status change; migration 017 leaves room on each page
 * of `charge_points` so that these are heap-only (HOT) updates, which write no index entry.
 */
import { assert } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL charge_points HOT update tests");

Deno.test({
  name: "snapshot patches of many stations, round after round, update their rows in place (heap-only)",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, sql) => {
      const store = await openPostgresStore(url);
      const ids = Array.from({ length: 200 }, (_, i) => `CP-HOT-${i}`);
      const rounds = 4;
      try {
        for (const id of ids) {
          await store.putChargePoint({
            ...emptyRecord(id, new Date("2024-05-01T09:00:00Z")),
            registrationStatus: "Accepted",
            boot: { chargePointVendor: "Vendor", chargePointModel: "Model", firmwareVersion: "1.0.0" },
            configuration: [
              { key: "HeartbeatInterval", readonly: false, value: "300" },
              { key: "MeterValueSampleInterval", readonly: false, value: "60" },
            ],
          });
        }
        for (let round = 0; round < rounds; round++) {
          const timestamp = new Date(Date.UTC(2024, 4, 1, 10, round)).toISOString();
          const status = round % 2 === 0 ? "Charging" as const : "Available" as const;
          await Promise.all(ids.map((chargePointId) =>
            store.commit({
              chargePointId,
              lastSeen: timestamp,
              snapshot: { connectors: [{ connectorId: 1, status, errorCode: "NoError", timestamp }] },
            })
          ));
        }
      } finally {
        // The store's backends report their statistics when they end.
        await store.close();
      }
      let stats: { upd: number; hot: number } | undefined;
      for (let wait = 0; wait < 50; wait++) {
        [stats] = await sql<{ upd: number; hot: number }[]>`
          select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables
          where relname = 'charge_points'
        `;
        if ((stats?.upd ?? 0) >= ids.length * rounds) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert(
        stats !== undefined && stats.upd >= ids.length * rounds,
        `updates counted: ${JSON.stringify(stats)}`,
      );
      // Each round is one group commit, whose own dead versions no page can prune: 511 of 800 heap-only at
      // fillfactor 70 alone (fewer while other databases' work holds the pruning horizon back: 236 once in the
      // parallel suite), 16 with the pages packed full.
      assert(stats.hot >= 0.2 * stats.upd, `heap-only updates: ${stats.hot} of ${stats.upd}`);
    }, 1);
  },
});
