import { assertEquals } from "@std/assert";
import type { StoredChargingProfile } from "../model/charging_profile.ts";
import type { ChargingProfile } from "../protocol/ocpp16/common.ts";
import {
  afterClearChargingProfile,
  afterReboot,
  afterSetChargingProfile,
  afterTransactionEnded,
  compositeShowsLoss,
  currentLimitA,
  expectedLimitA,
  storedProfile,
} from "./charging_profiles.ts";

const AT = "2025-03-01T12:00:00.000Z";
const NOW = new Date(AT);
const META = { chargePointId: "CP-1", source: "api" as const, requestedBy: "user:alice", at: AT };

function profile(
  id: number,
  purpose: ChargingProfile["chargingProfilePurpose"],
  stackLevel: number,
  limit: number,
  extra: Partial<ChargingProfile> = {},
): ChargingProfile {
  return {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: "Relative",
    chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    ...extra,
  };
}

function installed(connectorId: number, p: ChargingProfile): StoredChargingProfile {
  return storedProfile({ connectorId, csChargingProfiles: p }, "installed", META);
}

Deno.test("afterSetChargingProfile() stores an Accepted profile and drops the one it replaces on the same connector", () => {
  const stored = [
    installed(1, profile(1, "TxDefaultProfile", 0, 16)),
    installed(2, profile(2, "TxDefaultProfile", 0, 16)),
    installed(1, profile(3, "TxDefaultProfile", 1, 10)),
  ];
  const request = { connectorId: 1, csChargingProfiles: profile(4, "TxDefaultProfile", 0, 8) };
  const changes = afterSetChargingProfile(stored, request, "Accepted", META);
  assertEquals(changes.remove, [1]);
  assertEquals(changes.put.map((p) => [p.chargingProfileId, p.connectorId, p.state]), [[4, 1, "installed"]]);
});

Deno.test("afterSetChargingProfile() changes nothing when the station rejects the profile", () => {
  const request = { connectorId: 1, csChargingProfiles: profile(4, "TxDefaultProfile", 0, 8) };
  for (const status of ["Rejected", "NotSupported"]) {
    assertEquals(afterSetChargingProfile([], request, status, META), { remove: [], put: [] });
  }
});

Deno.test("afterClearChargingProfile() removes by id, else by every given filter; Unknown means they are gone", () => {
  const stored = [
    installed(0, profile(1, "ChargePointMaxProfile", 0, 32)),
    installed(1, profile(2, "TxDefaultProfile", 0, 16)),
    installed(2, profile(3, "TxDefaultProfile", 1, 16)),
  ];
  assertEquals(afterClearChargingProfile(stored, { id: 2, connectorId: 2 }, "Accepted").remove, [2]);
  assertEquals(
    afterClearChargingProfile(
      stored,
      { chargingProfilePurpose: "TxDefaultProfile", stackLevel: 1 },
      "Accepted",
    ).remove,
    [3],
  );
  assertEquals(afterClearChargingProfile(stored, {}, "Unknown").remove, [1, 2, 3]);
  assertEquals(afterClearChargingProfile(stored, { connectorId: 0 }, "Accepted").remove, [1]);
});

Deno.test("afterTransactionEnded() drops the transaction's TxProfiles and keeps the rest", () => {
  const stored = [
    installed(1, profile(1, "TxProfile", 0, 16, { transactionId: 7 })),
    installed(1, profile(2, "TxDefaultProfile", 0, 16)),
    installed(2, profile(3, "TxProfile", 0, 16, { transactionId: 8 })),
  ];
  assertEquals(afterTransactionEnded(stored, { transactionId: 7, connectorId: 1 }).remove, [1]);
});

Deno.test("afterReboot() marks every profile pending, except TxProfiles of transactions that ended", () => {
  const stored = [
    installed(0, profile(1, "ChargePointMaxProfile", 0, 32)),
    installed(1, profile(2, "TxProfile", 0, 16, { transactionId: 7 })),
    installed(2, profile(3, "TxProfile", 0, 16, { transactionId: 8 })),
  ];
  const changes = afterReboot(stored, (id) => id === 8, "2025-03-01T12:05:00.000Z");
  assertEquals(changes.remove, [2]);
  assertEquals(changes.put.map((p) => [p.chargingProfileId, p.state]), [[1, "pending"], [3, "pending"]]);
});

Deno.test("afterReboot() leaves alone a profile the station accepted since its boot (it holds it)", () => {
  const before = installed(0, profile(1, "ChargePointMaxProfile", 0, 32));
  const after = installed(0, profile(2, "TxDefaultProfile", 0, 16));
  const changes = afterReboot([before, after], () => false, "2025-03-01T12:05:00.000Z", new Set([2]));
  assertEquals(changes.put.map((p) => [p.chargingProfileId, p.state]), [[1, "pending"]]);
  assertEquals(changes.remove, []);
});

Deno.test("afterReboot() sends again a profile recorded by a clock ahead just before the boot (no clocks compared)", () => {
  // Written by a node whose clock is 5 s ahead, a second before the station rebooted: its updatedAt is
  // after the boot's, but the station did not accept it since its boot, so it lost it.
  const aheadOfTheBoot = {
    ...installed(0, profile(1, "ChargePointMaxProfile", 0, 32)),
    updatedAt: "2025-03-01T12:00:04.000Z",
  };
  const changes = afterReboot([aheadOfTheBoot], () => false, "2025-03-01T12:00:01.000Z", new Set());
  assertEquals(changes.put.map((p) => [p.chargingProfileId, p.state]), [[1, "pending"]]);
});

Deno.test("currentLimitA() reads Absolute schedules at the time and single-period Relative ones", () => {
  const absolute = profile(1, "TxDefaultProfile", 0, 0, {
    chargingProfileKind: "Absolute",
    chargingSchedule: {
      chargingRateUnit: "A",
      startSchedule: "2025-03-01T11:00:00.000Z",
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }, { startPeriod: 3600, limit: 20 }],
    },
  });
  assertEquals(currentLimitA(absolute, new Date("2025-03-01T11:30:00.000Z")), 10);
  assertEquals(currentLimitA(absolute, NOW), 20);
  assertEquals(currentLimitA(profile(2, "TxProfile", 0, 13), NOW), 13);
  assertEquals(currentLimitA(profile(2, "TxProfile", 0, 13, { validTo: AT }), NOW), null);
  const watts = profile(3, "TxProfile", 0, 11000);
  watts.chargingSchedule.chargingRateUnit = "W";
  assertEquals(currentLimitA(watts, NOW), null);
});

Deno.test("expectedLimitA() takes the top stack level, TxProfile over TxDefaultProfile, capped by the station's maximum", () => {
  const stored = [
    installed(0, profile(1, "ChargePointMaxProfile", 0, 20)),
    installed(0, profile(2, "TxDefaultProfile", 0, 6)),
    installed(0, profile(3, "TxDefaultProfile", 1, 16)),
    installed(1, profile(4, "TxProfile", 0, 24, { transactionId: 7 })),
  ];
  assertEquals(expectedLimitA(stored, 1, NOW), 20);
  assertEquals(expectedLimitA(stored, 2, NOW), 16);
  assertEquals(expectedLimitA([], 2, NOW), null);
  assertEquals(expectedLimitA(stored, 1, NOW, 7), 20, "its transaction's TxProfile");
  assertEquals(expectedLimitA(stored, 1, NOW, 8), 16, "another transaction's TxProfile sets nothing now");
});

Deno.test("compositeShowsLoss() is true when the station's schedule allows more than our profiles or is missing", () => {
  const stored = [installed(1, profile(4, "TxProfile", 0, 8, { transactionId: 7 }))];
  const schedule = (limit: number) => ({
    status: "Accepted" as const,
    connectorId: 1,
    scheduleStart: AT,
    chargingSchedule: { chargingRateUnit: "A" as const, chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  });
  assertEquals(compositeShowsLoss(stored, 1, schedule(8), NOW), false);
  assertEquals(compositeShowsLoss(stored, 1, schedule(6), NOW), false);
  assertEquals(compositeShowsLoss(stored, 1, schedule(32), NOW), true);
  assertEquals(compositeShowsLoss(stored, 1, { status: "Accepted" }, NOW), true);
  assertEquals(compositeShowsLoss(stored, 1, { status: "Rejected" }, NOW), false);
  assertEquals(compositeShowsLoss([], 1, schedule(32), NOW), false);
});
