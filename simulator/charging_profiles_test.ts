import { assertEquals } from "@std/assert";
import {
  checkChargingProfile,
  clearChargingProfiles,
  installChargingProfile,
  type InstalledProfile,
  type ProfileLimits,
  withoutTxProfiles,
} from "./charging_profiles.ts";
import type { ChargingProfile } from "./ocpp.ts";

const LIMITS: ProfileLimits = {
  connectorCount: 2,
  maxStackLevel: 5,
  maxPeriods: 3,
  maxInstalled: 3,
  allowedUnits: ["A", "W"],
};

function profile(overrides: Partial<ChargingProfile> = {}): ChargingProfile {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: "TxDefaultProfile",
    chargingProfileKind: "Relative",
    chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    ...overrides,
  };
}

type TransactionOn = (connectorId: number) => { transactionId?: number } | undefined;
const noTransaction: TransactionOn = () => undefined;

function reason(
  installed: InstalledProfile[],
  connectorId: number,
  p: ChargingProfile,
  tx: TransactionOn = noTransaction,
) {
  const check = checkChargingProfile(installed, { connectorId, csChargingProfiles: p }, LIMITS, tx);
  return check.status === "Accepted" ? "Accepted" : check.reason;
}

Deno.test("checkChargingProfile() accepts a plain TxDefaultProfile on the station or a connector", () => {
  assertEquals(reason([], 0, profile()), "Accepted");
  assertEquals(reason([], 2, profile()), "Accepted");
});

Deno.test("checkChargingProfile() rejects what the station cannot honour, saying why", () => {
  assertEquals(reason([], 3, profile()), "Connector 3 does not exist");
  assertEquals(reason([], 1, profile({ stackLevel: 6 })), "Stack level 6 is outside 0-5");
  const periods = (n: number) => Array.from({ length: n }, (_, i) => ({ startPeriod: i * 60, limit: 10 }));
  assertEquals(
    reason(
      [],
      1,
      profile({ chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: periods(4) } }),
    ),
    "A schedule needs 1-3 periods, got 4",
  );
  assertEquals(
    reason(
      [],
      1,
      profile({
        chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 5, limit: 1 }] },
      }),
    ),
    "The first period must start at 0",
  );
  assertEquals(
    reason([], 1, profile({ chargingProfileKind: "Recurring" })),
    "A Recurring profile needs recurrencyKind and startSchedule",
  );
  assertEquals(
    reason([], 1, profile({ chargingProfilePurpose: "ChargePointMaxProfile" })),
    "A ChargePointMaxProfile can only be set on connector 0",
  );
  const onlyAmps = { ...LIMITS, allowedUnits: ["A"] as const };
  const watts = profile({
    chargingSchedule: { chargingRateUnit: "W", chargingSchedulePeriod: [{ startPeriod: 0, limit: 1 }] },
  });
  assertEquals(
    checkChargingProfile([], { connectorId: 1, csChargingProfiles: watts }, onlyAmps, noTransaction),
    { status: "Rejected", reason: "Charging rate unit W is not supported" },
  );
});

Deno.test("checkChargingProfile() wants a TxProfile on a connector whose transaction matches", () => {
  const tx = profile({ chargingProfilePurpose: "TxProfile", transactionId: 7 });
  assertEquals(reason([], 1, tx), "A TxProfile needs a connector with a running transaction");
  assertEquals(
    reason([], 0, tx, () => ({ transactionId: 7 })),
    "A TxProfile needs a connector with a running transaction",
  );
  assertEquals(reason([], 1, tx, () => ({ transactionId: 7 })), "Accepted");
  assertEquals(
    reason([], 1, tx, () => ({ transactionId: 8 })),
    "Transaction 7 is not running on connector 1",
  );
  // A transaction whose StartTransaction is not answered yet has no id: the profile is taken for it.
  assertEquals(reason([], 1, tx, () => ({})), "Accepted");
});

Deno.test("checkChargingProfile() counts replacements before refusing a profile over the maximum", () => {
  let installed: InstalledProfile[] = [];
  for (const id of [1, 2, 3]) {
    installed = installChargingProfile(installed, 1, profile({ chargingProfileId: id, stackLevel: id }));
  }
  assertEquals(
    reason(installed, 1, profile({ chargingProfileId: 4, stackLevel: 4 })),
    "At most 3 profiles can be installed",
  );
  assertEquals(reason(installed, 1, profile({ chargingProfileId: 3, stackLevel: 4 })), "Accepted");
});

Deno.test("installChargingProfile() replaces the same id anywhere, and the same stack level and purpose on the connector", () => {
  let installed = installChargingProfile([], 1, profile({ chargingProfileId: 1, stackLevel: 1 }));
  installed = installChargingProfile(installed, 2, profile({ chargingProfileId: 1, stackLevel: 2 }));
  assertEquals(installed.map((e) => [e.connectorId, e.profile.chargingProfileId]), [[2, 1]]);
  installed = installChargingProfile(installed, 2, profile({ chargingProfileId: 9, stackLevel: 2 }));
  assertEquals(installed.map((e) => e.profile.chargingProfileId), [9]);
  installed = installChargingProfile(installed, 1, profile({ chargingProfileId: 10, stackLevel: 2 }));
  assertEquals(installed.map((e) => e.profile.chargingProfileId), [9, 10]);
});

Deno.test("clearChargingProfiles() clears by id, by criteria, or everything", () => {
  const installed: InstalledProfile[] = [
    {
      connectorId: 0,
      profile: profile({ chargingProfileId: 1, chargingProfilePurpose: "ChargePointMaxProfile" }),
    },
    { connectorId: 1, profile: profile({ chargingProfileId: 2, stackLevel: 1 }) },
    { connectorId: 2, profile: profile({ chargingProfileId: 3, stackLevel: 2 }) },
  ];
  assertEquals(
    clearChargingProfiles(installed, { id: 2, connectorId: 2 }).installed.map((e) =>
      e.profile.chargingProfileId
    ),
    [1, 3],
  );
  assertEquals(clearChargingProfiles(installed, { id: 99 }).cleared, 0);
  assertEquals(clearChargingProfiles(installed, { chargingProfilePurpose: "TxDefaultProfile" }).cleared, 2);
  assertEquals(clearChargingProfiles(installed, { connectorId: 2, stackLevel: 1 }).cleared, 0);
  assertEquals(clearChargingProfiles(installed, {}).cleared, 3);
});

Deno.test("withoutTxProfiles() drops only the connector's TxProfiles", () => {
  const installed: InstalledProfile[] = [
    { connectorId: 1, profile: profile({ chargingProfileId: 1, chargingProfilePurpose: "TxProfile" }) },
    { connectorId: 1, profile: profile({ chargingProfileId: 2 }) },
    { connectorId: 2, profile: profile({ chargingProfileId: 3, chargingProfilePurpose: "TxProfile" }) },
  ];
  assertEquals(withoutTxProfiles(installed, 1).map((e) => e.profile.chargingProfileId), [2, 3]);
});
