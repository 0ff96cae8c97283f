/**
 * A mixed site: one OCPP 1.6 station and one OCPP 2.0.1 station (both npm `ocpp-rpc` in strict mode, each
 * checking every frame against its own dialect's official schemas) share a 32 A limit. Load management
 * treats them alike: each gets its TxDefaultProfile, then its TxProfile share, the 2.0.1 one in 2.0.1's
 * shape naming the station's own transactionId. An external limit the 2.0.1 station reports (NotifyChargingLimit)
 * caps its share until it is cleared.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

Deno.test("a site of a 1.6 and a 2.0.1 station divides its limit between both, each in its own dialect", async () => {
  const server = await startApiServer();
  const v16 = await connectStation(server.wsUrl, "CP-M16", { boot: false });
  const v201 = await connectStation201(server.wsUrl, "CP-M201", { boot: false });
  const seen16: Json[] = [];
  const seen201: Json[] = [];
  v16.handle("SetChargingProfile", ({ params }) => (seen16.push(params), { status: "Accepted" }));
  v16.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
  v201.handle("SetChargingProfile", ({ params }) => (seen201.push(params), { status: "Accepted" }));
  v201.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
  const tx16 = (id: string) => seen16.filter((p) => p.csChargingProfiles.chargingProfilePurpose === id);
  const tx201 = (id: string) => seen201.filter((p) => p.chargingProfile.chargingProfilePurpose === id);
  try {
    const put = await server.json("/api/v1/sites/mixed", {
      method: "PUT",
      body: { name: "Mixed", maxCurrentA: 32, chargePointIds: ["CP-M16", "CP-M201"] },
      as: "operator",
    });
    assertEquals(put.status, 201);
    await v16.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
    await v201.call("BootNotification", {
      reason: "PowerUp",
      chargingStation: { vendorName: "Acme", model: "Volt-2" },
    });
    // Both wait at 0 A for their share.
    await eventually(() => tx16("TxDefaultProfile").length > 0 && tx201("TxDefaultProfile").length > 0, 5000);
    const default201 = tx201("TxDefaultProfile").at(-1)!;
    assertEquals(default201.evseId, 0);
    assertEquals(default201.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit, 0);

    const started16 = await v16.call("StartTransaction", {
      connectorId: 1,
      idTag: "SITE",
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    await eventually(
      () =>
        tx16("TxProfile").at(-1)?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === 32,
      5000,
      "the 1.6 station alone gets 32 A",
    );
    await v201.call("TransactionEvent", {
      eventType: "Started",
      seqNo: 0,
      timestamp: new Date().toISOString(),
      triggerReason: "Authorized",
      transactionInfo: { transactionId: "M-TX-1" },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: "SITE", type: "Central" },
    });
    const limit16 = () =>
      tx16("TxProfile").at(-1)?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;
    const last201 = () => tx201("TxProfile").at(-1);
    await eventually(
      () =>
        limit16() === 16 &&
        last201()?.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit === 16,
      5000,
      "16 A each",
    );
    assertEquals(last201()!.evseId, 1);
    assertEquals(last201()!.chargingProfile.transactionId, "M-TX-1");
    assertEquals(tx16("TxProfile").at(-1)!.csChargingProfiles.transactionId, started16.transactionId);
    // The grid operator holds the 2.0.1 station's EVSE at 10 A (NotifyChargingLimit): the 1.6 one gets the rest;
    // once the limit is cleared, equal shares again.
    await v201.call("NotifyChargingLimit", {
      evseId: 1,
      chargingLimit: { chargingLimitSource: "SO", isGridCritical: true },
      chargingSchedule: [{
        id: 1,
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
      }],
    });
    const limit201 = () => last201()?.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit;
    await eventually(() => limit16() === 22 && limit201() === 10, 5000, "22 A and 10 A under the limit");
    await v201.call("ClearedChargingLimit", { chargingLimitSource: "SO", evseId: 1 });
    await eventually(() => limit16() === 16 && limit201() === 16, 5000, "16 A each once it is cleared");
    // The 2.0.1 session ends: the 1.6 one gets the whole site again.
    await v201.call("TransactionEvent", {
      eventType: "Ended",
      seqNo: 1,
      timestamp: new Date().toISOString(),
      triggerReason: "EVDeparted",
      transactionInfo: { transactionId: "M-TX-1", stoppedReason: "EVDisconnected" },
    });
    await eventually(() => limit16() === 32, 5000, "the 1.6 station back at 32 A");
  } finally {
    await closeStation(v16);
    await closeStation(v201);
    await server.close();
  }
});
