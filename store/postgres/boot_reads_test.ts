/**
 * The reads every connection and boot makes on PostgreSQL (the station's snapshot, its security settings, the
 * local list version, its charging profile support) are batched: many stations asking in the same moment share
 * one statement. Each must still get its own answer (null where nothing is stored), and a read asked after a
 * write must see it.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { chargePoint } from "../contract/harness.ts";
import { openPostgresEnergyStore } from "./energy.ts";
import { openPostgresFleetStore } from "./fleet.ts";
import { openPostgresStore } from "./mod.ts";
import { openPostgresStationSecurityStore } from "./station_security.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL boot read tests");

/** 40 stations; the even ones have something stored. */
const IDS = Array.from({ length: 40 }, (_, i) => `CP-${i}`);
const stored = (id: string) => Number(id.slice(3)) % 2 === 0;

Deno.test({
  name: "concurrent snapshot reads of many stations each get their own snapshot, or null",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url) => {
      const store = await openPostgresStore(url);
      try {
        for (const id of IDS.filter(stored)) {
          await store.putChargePoint(chargePoint(id, { localListVersion: Number(id.slice(3)) }));
        }
        const got = await Promise.all(IDS.map((id) => store.getChargePoint(id)));
        assertEquals(
          got.map((r) => r === null ? null : [r.id, r.localListVersion]),
          IDS.map((id, i) => stored(id) ? [id, i] : null),
        );
        // A read asked after a write sees it, even while others of its kind are in flight.
        const during = IDS.map((id) => store.getChargePoint(id));
        await store.putChargePoint(chargePoint("CP-1", { localListVersion: 99 }));
        assertEquals((await store.getChargePoint("CP-1"))?.localListVersion, 99);
        await Promise.all(during);
      } finally {
        await store.close();
      }
    });
  },
});

Deno.test({
  name: "concurrent security settings reads of many stations each get their own settings, or null",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url) => {
      const security = await openPostgresStationSecurityStore(url);
      try {
        const at = "2026-12-03T00:00:00.000Z";
        for (const [i, id] of IDS.entries()) {
          if (!stored(id)) continue;
          await security.put({
            chargePointId: id,
            securityProfile: 1,
            authorizationKeyHash: null,
            allowedIps: [`127.0.0.${i}`],
            updatedBy: "test",
            createdAt: at,
            updatedAt: at,
          });
        }
        const got = await Promise.all(IDS.map((id) => security.get(id)));
        assertEquals(
          got.map((r) => r === null ? null : [r.chargePointId, r.allowedIps]),
          IDS.map((id, i) => stored(id) ? [id, [`127.0.0.${i}`]] : null),
        );
      } finally {
        await security.close();
      }
    });
  },
});

Deno.test({
  name: "concurrent local list version reads agree, and a read after a change sees the new version",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url) => {
      const fleet = await openPostgresFleetStore(url);
      try {
        const before = await Promise.all(IDS.map(() => fleet.localLists.currentVersion()));
        assertEquals(new Set(before).size, 1);
        const during = IDS.map(() => fleet.localLists.currentVersion());
        const version = await fleet.localLists.setMember("TAG-1", true, "2026-12-03T00:00:00.000Z");
        assertEquals(version > before[0]!, true);
        assertEquals(await fleet.localLists.currentVersion(), version);
        await Promise.all(during);
      } finally {
        await fleet.close();
      }
    });
  },
});

Deno.test({
  name: "concurrent charging profile support reads of many stations each get their own, or null",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, sql) => {
      const energy = await openPostgresEnergyStore(url);
      try {
        for (const id of IDS) {
          await sql`insert into charge_points (id, created_at, updated_at) values (${id}, now(), now())`;
        }
        for (const [i, id] of IDS.entries()) {
          if (!stored(id)) continue;
          await energy.putChargingProfileSupport({
            chargePointId: id,
            refusedReason: i % 4 === 0 ? "NotSupported" : null,
            txDefaultOnly: i % 4 === 2,
            stationDefaultRejected: false,
            unanswered: null,
            updatedAt: "2026-12-03T00:00:00.000Z",
          });
        }
        const got = await Promise.all(IDS.map((id) => energy.getChargingProfileSupport(id)));
        assertEquals(
          got.map((r) => r === null ? null : [r.chargePointId, r.refusedReason, r.txDefaultOnly]),
          IDS.map((id, i) => stored(id) ? [id, i % 4 === 0 ? "NotSupported" : null, i % 4 === 2] : null),
        );
      } finally {
        await energy.close();
      }
    });
  },
});
