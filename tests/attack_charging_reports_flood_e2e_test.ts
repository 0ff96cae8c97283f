/**
 * A 2.0.1 station that keeps sending ReportChargingProfiles parts of one requestId with `tbc` true (no one
 * needs to have asked) must not grow its stored charging reports past MAX_REPORTED_PROFILES: parts past the
 * bound are answered and add nothing, so the station's record (one KV value of at most 64 KiB, one
 * PostgreSQL column rewritten by every write) stays small and its other messages stay quick. So must
 * schedules of 1,024 periods in every external limit and profile: what does not fit MAX_CHARGING_REPORTS_CHARS
 * is left out (a limit kept without its schedule). Raw WebSocket, both stores.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawCall } from "./helpers/station.ts";
import { MAX_CHARGING_REPORTS_CHARS, MAX_REPORTED_PROFILES } from "../model/charging_reports.ts";

const profile = (id: number) => ({
  id,
  stackLevel: 0,
  chargingProfilePurpose: "TxDefaultProfile",
  chargingProfileKind: "Absolute",
  chargingSchedule: [{
    id: 1,
    chargingRateUnit: "W",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 1000 }],
  }],
});

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: ReportChargingProfiles parts past the bound add nothing to the station's record`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-RCPFLOOD`, ["ocpp2.0.1"]);
      try {
        const boot = { reason: "PowerUp", chargingStation: { model: "M", vendorName: "V" } };
        assertEquals((await rawCall(socket, "BootNotification", boot))[0], 3);
        const parts = MAX_REPORTED_PROFILES * 4;
        for (let i = 0; i < parts; i++) {
          const reply = await rawCall(socket, "ReportChargingProfiles", {
            requestId: 1,
            chargingLimitSource: "CSO",
            evseId: 1,
            tbc: true,
            chargingProfile: [profile(i)],
          });
          assertEquals(reply[0], 3, `part ${i}: ${JSON.stringify(reply).slice(0, 200)}`);
        }
        const res = await server.json("/api/v1/charge-points/CP-RCPFLOOD", { as: "viewer" });
        assertEquals(res.status, 200);
        const reports = res.body.chargingReports.reports as { chargingProfile: { id: number }[] }[];
        assert(reports.length <= MAX_REPORTED_PROFILES, `${reports.length} reports kept`);
        const ids = reports.flatMap((r) => r.chargingProfile.map((p) => p.id));
        assertEquals(ids, Array.from({ length: MAX_REPORTED_PROFILES }, (_, i) => i));
        assertEquals(res.body.chargingReports.complete, false);
      } finally {
        await socket.close();
      }
    });
  });
}

const periods = Array.from({ length: 1024 }, (_, i) => ({ startPeriod: i * 60, limit: 1000.5 + i }));

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: charging limits and profiles with the largest schedules keep the record within its bound`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-LIMITFLOOD`, ["ocpp2.0.1"]);
      try {
        const boot = { reason: "PowerUp", chargingStation: { model: "M", vendorName: "V" } };
        assertEquals((await rawCall(socket, "BootNotification", boot))[0], 3);
        const sources = ["EMS", "Other", "SO", "CSO"];
        for (let evseId = 0; evseId < 5; evseId++) {
          for (const chargingLimitSource of sources) {
            const reply = await rawCall(socket, "NotifyChargingLimit", {
              evseId,
              chargingLimit: { chargingLimitSource, isGridCritical: true },
              chargingSchedule: [{ id: 1, chargingRateUnit: "W", chargingSchedulePeriod: periods }],
            });
            assertEquals(reply[0], 3, JSON.stringify(reply).slice(0, 200));
          }
        }
        for (let i = 0; i < 5; i++) {
          const reply = await rawCall(socket, "ReportChargingProfiles", {
            requestId: 2,
            chargingLimitSource: "CSO",
            evseId: 1,
            tbc: i < 4,
            chargingProfile: [{
              ...profile(i),
              chargingSchedule: [{ id: 1, chargingRateUnit: "W", chargingSchedulePeriod: periods }],
            }],
          });
          assertEquals(reply[0], 3, JSON.stringify(reply).slice(0, 200));
        }
        const res = await server.json("/api/v1/charge-points/CP-LIMITFLOOD", { as: "viewer" });
        assertEquals(res.status, 200);
        const reports = res.body.chargingReports;
        assert(
          JSON.stringify(reports).length <= MAX_CHARGING_REPORTS_CHARS + 1024,
          `${JSON.stringify(reports).length} characters kept`,
        );
        // Every limit is kept, the first with its schedule; the ones that did not fit without.
        assertEquals(reports.limits.length, 5 * sources.length);
        assertEquals(
          reports.limits.filter((l: { chargingSchedule?: unknown }) => l.chargingSchedule).length,
          1,
        );
        assertEquals(reports.complete, true);
        // The station goes on.
        assertEquals((await rawCall(socket, "Heartbeat", {}))[0], 3);
      } finally {
        await socket.close();
      }
    });
  });
}
