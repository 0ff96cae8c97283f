/**
 * OCPP 2.0.1 smart charging reports, with npm `ocpp-rpc` in strict mode speaking `ocpp2.0.1`: the profiles a
 * station reports (ReportChargingProfiles, the answer to GetChargingProfiles) and the external limits it
 * announces (NotifyChargingLimit / ClearedChargingLimit) are kept on the station (the API shows them) and the
 * limits are `chargingLimit` events on the live stream; on KV and on PostgreSQL.
 */
import { assert, assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { readEvents } from "./helpers/sse.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const profile = (id: number, limit: number) => ({
  id,
  stackLevel: 0,
  chargingProfilePurpose: "TxDefaultProfile",
  chargingProfileKind: "Absolute",
  chargingSchedule: [{
    id: 1,
    startSchedule: "2026-12-01T00:00:00Z",
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit }],
  }],
});

async function scenario(server: ApiTestServer): Promise<void> {
  const station = await connectStation201(server.wsUrl, "CP-SCR201");
  station.handle("GetChargingProfiles", () => ({ status: "Accepted" }));
  const reports = async () =>
    (await server.json("/api/v1/charge-points/CP-SCR201", { as: "viewer" })).body.chargingReports;
  try {
    assertEquals(await reports(), null);
    // The operator asks; the station answers Accepted, then reports in two messages (tbc).
    const asked = await server.json("/api/v1/charge-points/CP-SCR201/GetChargingProfiles", {
      method: "POST",
      as: "operator",
      body: { requestId: 42, chargingProfile: { chargingProfilePurpose: "TxDefaultProfile" } },
    });
    assertEquals([asked.status, asked.body.status], [200, "Accepted"]);
    await station.call("ReportChargingProfiles", {
      requestId: 42,
      chargingLimitSource: "CSO",
      evseId: 1,
      chargingProfile: [profile(7, 16)],
      tbc: true,
    });
    assertEquals((await reports()).complete, false);
    await station.call("ReportChargingProfiles", {
      requestId: 42,
      chargingLimitSource: "EMS",
      evseId: 2,
      chargingProfile: [profile(8, 10)],
    });
    const seen = await reports();
    assertEquals([seen.requestId, seen.complete], [42, true]);
    assertEquals(seen.reports, [
      { evseId: 1, chargingLimitSource: "CSO", chargingProfile: [profile(7, 16)] },
      { evseId: 2, chargingLimitSource: "EMS", chargingProfile: [profile(8, 10)] },
    ]);
    // A later request's report replaces the earlier one.
    await station.call("ReportChargingProfiles", {
      requestId: 43,
      chargingLimitSource: "CSO",
      evseId: 0,
      chargingProfile: [profile(9, 32)],
    });
    assertEquals((await reports()).reports, [
      { evseId: 0, chargingLimitSource: "CSO", chargingProfile: [profile(9, 32)] },
    ]);

    // External limits: on the station and on the live stream.
    const stream = await server.api("/api/v1/events?chargePointId=CP-SCR201&types=chargingLimit", {
      as: "viewer",
    });
    assertEquals(stream.status, 200);
    const events = readEvents(stream.body!, (e) => e.data.cleared === true, 15_000);
    const schedule = {
      id: 3,
      chargingRateUnit: "W",
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 7000 }],
    };
    // The stream's subscription is in place once the response started; the call below comes after it.
    await station.call("NotifyChargingLimit", {
      evseId: 1,
      chargingLimit: { chargingLimitSource: "SO", isGridCritical: true },
      chargingSchedule: [schedule],
    });
    const limits = (await reports()).limits;
    assertEquals(limits.length, 1);
    assertEquals(
      { ...limits[0], at: undefined },
      {
        evseId: 1,
        chargingLimitSource: "SO",
        isGridCritical: true,
        chargingSchedule: [schedule],
        at: undefined,
      },
    );
    await station.call("ClearedChargingLimit", { chargingLimitSource: "SO", evseId: 1 });
    assertEquals((await reports()).limits, []);
    const got = (await events).filter((e) => e.event === "chargingLimit").map((e) => e.data);
    assertEquals(
      got.map((e) => [e.chargePointId, e.evseId, e.chargingLimitSource, e.cleared, e.isGridCritical]),
      [["CP-SCR201", 1, "SO", false, true], ["CP-SCR201", 1, "SO", true, null]],
    );
    assert(typeof got[0]!.at === "string");
    // The profiles reported before stay beside the limits.
    assertEquals((await reports()).requestId, 43);
  } finally {
    await closeStation(station);
  }
}

const ignorePostgres = await ignoreWithoutPostgres("OCPP 2.0.1 charging reports on PostgreSQL");

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name: `a 2.0.1 station's reported charging profiles and external limits are kept and streamed (${kind})`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, scenario),
  });
}
