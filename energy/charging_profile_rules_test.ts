import { assertEquals } from "@std/assert";
import type { RequestOf } from "../protocol/ocpp16/mod.ts";
import type { RequestOf as RequestOf201 } from "../protocol/ocpp201/mod.ts";
import {
  MAX_SCHEDULE_PERIODS,
  remoteStartProfileProblem16,
  remoteStartProfileProblem201,
  setChargingProfileProblem16,
  setChargingProfileProblem201,
  txProfileTransactionProblem16,
} from "./charging_profile_rules.ts";

const NOW = new Date("2025-03-01T12:00:00.000Z");
type Request16 = RequestOf<"SetChargingProfile">;
type Profile16 = Request16["csChargingProfiles"];
type Request201 = RequestOf201<"SetChargingProfile">;

function request16(
  profile: Partial<Profile16> = {},
  schedule: Partial<Profile16["chargingSchedule"]> = {},
  connectorId = 1,
): Request16 {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: 7,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      ...profile,
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
        ...schedule,
      },
    },
  };
}

const periods = (...p: [number, number][]) => p.map(([startPeriod, limit]) => ({ startPeriod, limit }));
const manyPeriods = (n: number) => Array.from({ length: n }, (_, i) => ({ startPeriod: i * 60, limit: 16 }));
const SCHEDULE = "csChargingProfiles.chargingSchedule";

Deno.test("setChargingProfileProblem16() names the field of each rule a profile breaks", () => {
  const cases: [string, Request16, string][] = [
    ["a connector beyond the bounds", request16({}, {}, 101), "connectorId"],
    ["a negative connector", request16({}, {}, -1), "connectorId"],
    ["a negative id", request16({ chargingProfileId: -1 }), "csChargingProfiles.chargingProfileId"],
    ["a negative stackLevel", request16({ stackLevel: -1 }), "csChargingProfiles.stackLevel"],
    [
      "a ChargePointMaxProfile on a connector",
      request16({ chargingProfilePurpose: "ChargePointMaxProfile" }, {}, 1),
      "connectorId",
    ],
    [
      "a transactionId on a TxDefaultProfile",
      request16({ transactionId: 5 }),
      "csChargingProfiles.transactionId",
    ],
    [
      "Absolute without startSchedule",
      request16({ chargingProfileKind: "Absolute" }),
      `${SCHEDULE}.startSchedule`,
    ],
    [
      "Recurring without recurrencyKind",
      request16({ chargingProfileKind: "Recurring" }, { startSchedule: "2025-03-01T00:00:00Z" }),
      "csChargingProfiles.recurrencyKind",
    ],
    ["validTo in the past", request16({ validTo: "2025-03-01T11:59:59Z" }), "csChargingProfiles.validTo"],
    ["validTo now", request16({ validTo: "2025-03-01T12:00:00Z" }), "csChargingProfiles.validTo"],
    [
      "validTo before validFrom",
      request16({ validFrom: "2025-04-02T00:00:00Z", validTo: "2025-04-01T00:00:00Z" }),
      "csChargingProfiles.validTo",
    ],
    ["no period", request16({}, { chargingSchedulePeriod: [] }), `${SCHEDULE}.chargingSchedulePeriod`],
    [
      "too many periods",
      request16({}, { chargingSchedulePeriod: manyPeriods(MAX_SCHEDULE_PERIODS + 1) }),
      `${SCHEDULE}.chargingSchedulePeriod`,
    ],
    [
      "a first period after 0",
      request16({}, { chargingSchedulePeriod: periods([60, 16]) }),
      `${SCHEDULE}.chargingSchedulePeriod.0.startPeriod`,
    ],
    [
      "periods out of order",
      request16({}, { chargingSchedulePeriod: periods([0, 16], [600, 10], [300, 8]) }),
      `${SCHEDULE}.chargingSchedulePeriod.2.startPeriod`,
    ],
    [
      "two periods starting together",
      request16({}, { chargingSchedulePeriod: periods([0, 16], [0, 10]) }),
      `${SCHEDULE}.chargingSchedulePeriod.1.startPeriod`,
    ],
    [
      "a negative limit",
      request16({}, { chargingSchedulePeriod: periods([0, 16], [60, -6]) }),
      `${SCHEDULE}.chargingSchedulePeriod.1.limit`,
    ],
    [
      "an absurd limit",
      request16({}, { chargingSchedulePeriod: periods([0, 1e300]) }),
      `${SCHEDULE}.chargingSchedulePeriod.0.limit`,
    ],
    [
      "more amps than any station",
      request16({}, { chargingSchedulePeriod: periods([0, 10_000.1]) }),
      `${SCHEDULE}.chargingSchedulePeriod.0.limit`,
    ],
    [
      "no phase",
      request16({}, { chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 0 }] }),
      `${SCHEDULE}.chargingSchedulePeriod.0.numberPhases`,
    ],
    [
      "four phases",
      request16({}, { chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 4 }] }),
      `${SCHEDULE}.chargingSchedulePeriod.0.numberPhases`,
    ],
    ["a negative duration", request16({}, { duration: -1 }), `${SCHEDULE}.duration`],
    ["a negative minChargingRate", request16({}, { minChargingRate: -0.1 }), `${SCHEDULE}.minChargingRate`],
  ];
  for (const [what, request, field] of cases) {
    assertEquals(setChargingProfileProblem16(request, NOW)?.field, field, what);
  }
});

Deno.test("setChargingProfileProblem16() takes what OCPP 1.6 allows", () => {
  const cases: [string, Request16][] = [
    ["a plain TxDefaultProfile", request16()],
    ["a limit of 0 (a pause)", request16({}, { chargingSchedulePeriod: periods([0, 0]) })],
    [
      "a 350 kW limit",
      request16({}, { chargingRateUnit: "W", chargingSchedulePeriod: periods([0, 350_000]) }),
    ],
    [
      "the largest limits",
      request16({}, { chargingRateUnit: "W", chargingSchedulePeriod: periods([0, 10_000_000]) }),
    ],
    [
      "as many periods as allowed",
      request16({}, { chargingSchedulePeriod: manyPeriods(MAX_SCHEDULE_PERIODS) }),
    ],
    ["a TxProfile of a transaction", request16({ chargingProfilePurpose: "TxProfile", transactionId: 5 })],
    [
      "a ChargePointMaxProfile on connector 0",
      request16({ chargingProfilePurpose: "ChargePointMaxProfile" }, {}, 0),
    ],
    [
      "one phase",
      request16({}, { chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 1 }] }),
    ],
    [
      "Absolute with its start in the past",
      request16({ chargingProfileKind: "Absolute" }, { startSchedule: "2025-01-01T00:00:00Z" }),
    ],
    // 1.6 asks no startSchedule of a Recurring profile (2.0.1 does).
    [
      "Recurring with its recurrencyKind",
      request16({ chargingProfileKind: "Recurring", recurrencyKind: "Daily" }),
    ],
    ["a recurrencyKind it does not need", request16({ recurrencyKind: "Weekly" })],
    [
      "validFrom in the past",
      request16({ validFrom: "2025-01-01T00:00:00Z", validTo: "2025-03-01T12:00:01Z" }),
    ],
    ["a duration of 0", request16({}, { duration: 0 })],
    ["the largest connector", request16({}, {}, 100)],
  ];
  for (const [what, request] of cases) assertEquals(setChargingProfileProblem16(request, NOW), null, what);
});

function request201(profile: Partial<Request201["chargingProfile"]> = {}, evseId = 1): Request201 {
  return {
    evseId,
    chargingProfile: {
      id: 3,
      stackLevel: 1,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: [{
        id: 1,
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
      }],
      ...profile,
    },
  };
}

Deno.test("setChargingProfileProblem201() applies the same rules with 2.0.1's names, and K01's own", () => {
  const second = (
    chargingSchedulePeriod:
      Request201["chargingProfile"]["chargingSchedule"][number]["chargingSchedulePeriod"],
  ) => ({
    chargingSchedule: [
      { id: 1, chargingRateUnit: "A" as const, chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
      { id: 2, chargingRateUnit: "W" as const, chargingSchedulePeriod },
    ],
  });
  const cases: [string, Request201, string][] = [
    ["a negative EVSE", request201({}, -1), "evseId"],
    ["a negative id", request201({ id: -3 }), "chargingProfile.id"],
    ["a negative stackLevel", request201({ stackLevel: -1 }), "chargingProfile.stackLevel"],
    [
      "a station maximum on an EVSE",
      request201({ chargingProfilePurpose: "ChargingStationMaxProfile" }, 2),
      "evseId",
    ],
    [
      "a transactionId on a TxDefaultProfile",
      request201({ transactionId: "TX-1" }),
      "chargingProfile.transactionId",
    ],
    [
      "Recurring without startSchedule (K01.FR.40)",
      request201({ chargingProfileKind: "Recurring", recurrencyKind: "Daily" }),
      "chargingProfile.chargingSchedule.0.startSchedule",
    ],
    [
      "a negative limit in the second schedule",
      request201(second([{ startPeriod: 0, limit: -1 }])),
      "chargingProfile.chargingSchedule.1.chargingSchedulePeriod.0.limit",
    ],
    [
      "phaseToUse 4",
      request201(second([{ startPeriod: 0, limit: 7000, numberPhases: 1, phaseToUse: 4 }])),
      "chargingProfile.chargingSchedule.1.chargingSchedulePeriod.0.phaseToUse",
    ],
    [
      "phaseToUse with three phases",
      request201(second([{ startPeriod: 0, limit: 7000, phaseToUse: 2 }])),
      "chargingProfile.chargingSchedule.1.chargingSchedulePeriod.0.phaseToUse",
    ],
  ];
  for (const [what, request, field] of cases) {
    assertEquals(setChargingProfileProblem201(request, NOW)?.field, field, what);
  }
  assertEquals(setChargingProfileProblem201(request201(), NOW), null);
  assertEquals(
    setChargingProfileProblem201(
      request201(second([{ startPeriod: 0, limit: 7000, numberPhases: 1, phaseToUse: 2 }])),
      NOW,
    ),
    null,
  );
  assertEquals(
    setChargingProfileProblem201(
      request201({ chargingProfilePurpose: "TxProfile", transactionId: "TX-1" }),
      NOW,
    ),
    null,
  );
});

Deno.test("a remote start's profile is a TxProfile naming no transaction, and follows the profile rules", () => {
  const now = new Date("2025-01-01T00:00:00.000Z");
  const profile = {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: "TxProfile" as const,
    chargingProfileKind: "Relative" as const,
    chargingSchedule: {
      chargingRateUnit: "A" as const,
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
    },
  };
  assertEquals(remoteStartProfileProblem16({ idTag: "T" }, now), null, "none is fine");
  assertEquals(remoteStartProfileProblem16({ idTag: "T", chargingProfile: profile }, now), null);
  assertEquals(
    remoteStartProfileProblem16({
      idTag: "T",
      chargingProfile: { ...profile, chargingProfilePurpose: "TxDefaultProfile" },
    }, now)?.field,
    "chargingProfile.chargingProfilePurpose",
  );
  assertEquals(
    remoteStartProfileProblem16({ idTag: "T", chargingProfile: { ...profile, transactionId: 3 } }, now)
      ?.field,
    "chargingProfile.transactionId",
  );
  assertEquals(
    remoteStartProfileProblem16({ idTag: "T", chargingProfile: { ...profile, stackLevel: -1 } }, now)?.field,
    "chargingProfile.stackLevel",
  );
  const p201 = {
    id: 1,
    stackLevel: 0,
    chargingProfilePurpose: "TxProfile" as const,
    chargingProfileKind: "Relative" as const,
    chargingSchedule: [{
      id: 1,
      chargingRateUnit: "A" as const,
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
    }],
  };
  const idToken = { idToken: "T", type: "ISO14443" as const };
  assertEquals(remoteStartProfileProblem201({ idToken, remoteStartId: 1, chargingProfile: p201 }, now), null);
  assertEquals(
    remoteStartProfileProblem201({
      idToken,
      remoteStartId: 1,
      chargingProfile: { ...p201, chargingProfilePurpose: "ChargingStationMaxProfile" },
    }, now)?.field,
    "chargingProfile.chargingProfilePurpose",
  );
});

Deno.test("txProfileTransactionProblem16() wants a TxProfile's transaction running on its connector", () => {
  const request = (connectorId: number, transactionId?: number, purpose = "TxProfile") => ({
    connectorId,
    csChargingProfiles: {
      chargingProfileId: 1,
      ...(transactionId !== undefined ? { transactionId } : {}),
      stackLevel: 1,
      chargingProfilePurpose: purpose as "TxProfile",
      chargingProfileKind: "Relative" as const,
      chargingSchedule: {
        chargingRateUnit: "A" as const,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }],
      },
    },
  });
  const active = [{ transactionId: 7, connectorId: 1 }];
  assertEquals(txProfileTransactionProblem16(request(1, 7), active), null);
  assertEquals(txProfileTransactionProblem16(request(1), active), null);
  assertEquals(txProfileTransactionProblem16(request(0, 7), active), null);
  assertEquals(txProfileTransactionProblem16(request(2, 0, "TxDefaultProfile"), []), null);
  assertEquals(
    txProfileTransactionProblem16(request(1, 8), active)?.field,
    "csChargingProfiles.transactionId",
  );
  assertEquals(txProfileTransactionProblem16(request(2, 7), active)?.field, "connectorId");
  assertEquals(txProfileTransactionProblem16(request(2), active)?.field, "connectorId");
  // The whole station: some transaction of it must run.
  assertEquals(txProfileTransactionProblem16(request(0), active), null);
  assertEquals(txProfileTransactionProblem16(request(0), [])?.field, "connectorId");
});
