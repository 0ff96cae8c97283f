/**
 * A sloppy (or hostile) OCPP 2.0.1 station on a site reports an external charging limit below zero
 * (NotifyChargingLimit, a schema-valid number). Load management counted its session at that negative current,
 * which handed the other sessions capacity the site does not have: on a 32 A site, two 1.6 stations were each
 * given their 32 A maximum. A negative limit, or a period over a number of phases outside 1-3 (a limit in W over
 * 0 phases is -Infinity amps), is refused with PropertyConstraintViolation and stored nowhere.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const limitOf = (seen: Json[]) => {
  const last = seen.filter((p) => p.csChargingProfiles.chargingProfilePurpose === "TxProfile").at(-1);
  return last?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;
};

function limitCall(limit: number, unit: "A" | "W", numberPhases?: number) {
  return {
    evseId: 1,
    chargingLimit: { chargingLimitSource: "EMS" },
    chargingSchedule: [{
      id: 1,
      chargingRateUnit: unit,
      chargingSchedulePeriod: [{
        startPeriod: 0,
        limit,
        ...(numberPhases === undefined ? {} : { numberPhases }),
      }],
    }],
  };
}

Deno.test("an external limit below zero or over 0 phases is refused and gives the others no capacity the site lacks", async () => {
  const server = await startApiServer();
  const stations: Station[] = [];
  try {
    const put = await server.json("/api/v1/sites/guard", {
      method: "PUT",
      body: { name: "Guard", maxCurrentA: 32, chargePointIds: ["CP-G1", "CP-G2", "CP-G201"] },
      as: "operator",
    });
    assertEquals(put.status, 201);
    const seen: Record<string, Json[]> = { "CP-G1": [], "CP-G2": [] };
    for (const id of ["CP-G1", "CP-G2"]) {
      const station = await connectStation(server.wsUrl, id, { boot: false });
      stations.push(station);
      station.handle("SetChargingProfile", ({ params }) => (seen[id]!.push(params), { status: "Accepted" }));
      station.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
      await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
      await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "SITE",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });
    }
    const v201 = await connectStation201(server.wsUrl, "CP-G201", { boot: false });
    stations.push(v201);
    const seen201: Json[] = [];
    v201.handle("SetChargingProfile", ({ params }) => (seen201.push(params), { status: "Accepted" }));
    v201.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
    await v201.call("BootNotification", {
      reason: "PowerUp",
      chargingStation: { vendorName: "Acme", model: "V" },
    });
    const limitOf201 = () =>
      seen201.filter((p) => p.chargingProfile.chargingProfilePurpose === "TxProfile").at(-1)
        ?.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit;
    await v201.call("TransactionEvent", {
      eventType: "Started",
      seqNo: 0,
      timestamp: new Date().toISOString(),
      triggerReason: "Authorized",
      transactionInfo: { transactionId: "G-TX-1" },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: "SITE", type: "Central" },
    });

    const latest = () => [limitOf(seen["CP-G1"]!), limitOf(seen["CP-G2"]!), limitOf201()];
    await eventually(() => latest().every((a) => a !== undefined && a > 10), 5000, "a third each");
    for (
      const [call, field] of [
        [limitCall(-64, "A"), "chargingSchedule.0.chargingSchedulePeriod.0.limit"],
        // 0 W over 0 phases: 0 / 0 amps, which made every share of the site NaN (sent as null, so none went out).
        [limitCall(0, "W", 0), "chargingSchedule.0.chargingSchedulePeriod.0.numberPhases"],
      ] as const
    ) {
      const refused = await v201.call("NotifyChargingLimit", call).then(
        () => null,
        (e: { rpcErrorCode?: string; details?: Json }) => e,
      );
      assertEquals(refused?.rpcErrorCode, "PropertyConstraintViolation", JSON.stringify(call));
      assertEquals(refused?.details?.field, field);
    }
    const snapshot = await server.json("/api/v1/charge-points/CP-G201", { as: "viewer" });
    assertEquals(JSON.stringify(snapshot.body).includes("-64"), false, "the refused limit is not stored");
    // The grid connection is cut to 20 A: the three sessions together must come down to it.
    const lowered = await server.json("/api/v1/sites/guard", {
      method: "PUT",
      body: { name: "Guard", maxCurrentA: 20, chargePointIds: ["CP-G1", "CP-G2", "CP-G201"] },
      as: "operator",
    });
    assertEquals(lowered.status, 200);
    await eventually(
      () => latest().every((a) => typeof a === "number") && latest().reduce((sum, a) => sum + a, 0) <= 20,
      5000,
      "the sessions within the lowered site limit",
    );
  } finally {
    for (const station of stations) await closeStation(station);
    await server.close();
  }
});
