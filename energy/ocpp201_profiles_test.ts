import { assertEquals } from "@std/assert";
import { ACTIONS as ACTIONS16 } from "../protocol/ocpp16/mod.ts";
import { ACTIONS } from "../protocol/ocpp201/mod.ts";
import {
  clearChargingProfile16,
  clearChargingProfile201,
  compositeSchedule16,
  dialectAwareCommands,
  getCompositeSchedule201,
  setChargingProfile16,
  setChargingProfile201,
} from "./ocpp201_profiles.ts";
import { stationDefaultRequest } from "./load_manager.ts";
import { txProfileRequest } from "./rollout.ts";

const SETTINGS = { stackLevel: 1, profileIdBase: 900000 };

Deno.test("load management's profiles become valid OCPP 2.0.1 SetChargingProfile requests", () => {
  const tx = setChargingProfile201(
    txProfileRequest({ connectorId: 2, transactionId: 7 }, 10.7, SETTINGS),
    "TX-9",
  );
  assertEquals(ACTIONS.SetChargingProfile.request.safeParse(tx).success, true);
  assertEquals(tx.evseId, 2);
  assertEquals(tx.chargingProfile.transactionId, "TX-9");
  assertEquals(tx.chargingProfile.chargingSchedule[0]?.chargingSchedulePeriod, [{
    startPeriod: 0,
    limit: 10.7,
  }]);
  const station = setChargingProfile201(stationDefaultRequest(0, SETTINGS), null);
  assertEquals(ACTIONS.SetChargingProfile.request.safeParse(station).success, true);
  assertEquals([station.evseId, station.chargingProfile.chargingProfilePurpose], [0, "TxDefaultProfile"]);
  const max = setChargingProfile201({
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "ChargePointMaxProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: { chargingRateUnit: "W", chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
    },
  }, null);
  assertEquals(max.chargingProfile.chargingProfilePurpose, "ChargingStationMaxProfile");
});

Deno.test("ClearChargingProfile and GetCompositeSchedule are asked in 2.0.1's shape and answered in 1.6's", () => {
  const clear = clearChargingProfile201({
    connectorId: 1,
    chargingProfilePurpose: "TxProfile",
    stackLevel: 1,
  });
  assertEquals(ACTIONS.ClearChargingProfile.request.safeParse(clear).success, true);
  assertEquals(clear, {
    chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: "TxProfile", stackLevel: 1 },
  });
  assertEquals(clearChargingProfile201({ id: 5 }), { chargingProfileId: 5 });
  const ask = getCompositeSchedule201({ connectorId: 1, duration: 600, chargingRateUnit: "A" });
  assertEquals(ACTIONS.GetCompositeSchedule.request.safeParse(ask).success, true);
  assertEquals(
    compositeSchedule16({
      status: "Accepted",
      schedule: {
        evseId: 1,
        duration: 600,
        scheduleStart: "2026-01-01T00:00:00Z",
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10.66 }],
      },
    }),
    {
      status: "Accepted",
      connectorId: 1,
      scheduleStart: "2026-01-01T00:00:00Z",
      chargingSchedule: {
        duration: 600,
        startSchedule: "2026-01-01T00:00:00Z",
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 10.7 }],
      },
    },
  );
});

Deno.test("dialectAwareCommands() sends a 1.6 station's profile as it is and a 2.0.1 station's translated", async () => {
  const sent: [string, string, unknown][] = [];
  const commands = dialectAwareCommands({
    send: (
      id,
      action,
      payload,
    ) => (sent.push([id, action, payload]), Promise.resolve({ status: "Accepted" })),
    dialectOf: (id) => (id === "NEW" ? "ocpp2.0.1" : "ocpp1.6"),
    stationTransactionId: (id) => Promise.resolve(id === 7 ? "TX-7" : null),
    isConnected: () => true,
  });
  const request = txProfileRequest({ connectorId: 1, transactionId: 7 }, 16, SETTINGS);
  assertEquals(await commands.call("OLD", "SetChargingProfile", request), { status: "Accepted" });
  assertEquals(await commands.call("NEW", "SetChargingProfile", request), { status: "Accepted" });
  assertEquals(sent[0]![2], request);
  assertEquals(
    (sent[1]![2] as { chargingProfile: { transactionId: string } }).chargingProfile.transactionId,
    "TX-7",
  );
});

Deno.test("an operator's own 2.0.1 profile commands are kept as their 1.6 equivalents, when they have one", () => {
  const set = {
    evseId: 1,
    chargingProfile: {
      id: 12,
      stackLevel: 2,
      chargingProfilePurpose: "TxProfile" as const,
      chargingProfileKind: "Absolute" as const,
      validTo: "2027-01-01T00:00:00Z",
      transactionId: "TX-ABC",
      chargingSchedule: [{
        id: 1,
        chargingRateUnit: "A" as const,
        duration: 3600,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, {
          startPeriod: 600,
          limit: 10.5,
          numberPhases: 1,
        }],
      }],
    },
  };
  const kept = setChargingProfile16(set, 42)!;
  assertEquals(ACTIONS16.SetChargingProfile.request.safeParse(kept).success, true);
  assertEquals(kept, {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 12,
      stackLevel: 2,
      chargingProfilePurpose: "TxProfile",
      chargingProfileKind: "Absolute",
      validTo: "2027-01-01T00:00:00Z",
      transactionId: 42,
      chargingSchedule: {
        chargingRateUnit: "A",
        duration: 3600,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, {
          startPeriod: 600,
          limit: 10.5,
          numberPhases: 1,
        }],
      },
    },
  });
  // Sent again to the station as it was (but the schedule's own id, which 1.6 has not: the profile's).
  const again = setChargingProfile201(kept, "TX-ABC");
  assertEquals(
    again.chargingProfile.chargingSchedule[0]?.chargingSchedulePeriod,
    set.chargingProfile.chargingSchedule[0]?.chargingSchedulePeriod,
  );
  const { transactionId: _, ...untied } = set.chargingProfile;
  const max = { ...untied, chargingProfilePurpose: "ChargingStationMaxProfile" as const };
  assertEquals(
    setChargingProfile16({ evseId: 0, chargingProfile: max }, null)?.csChargingProfiles
      .chargingProfilePurpose,
    "ChargePointMaxProfile",
  );
  // What 1.6's shape cannot carry exactly is not kept.
  const schedule = set.chargingProfile.chargingSchedule[0]!;
  const cannot = [
    setChargingProfile16(set, null),
    setChargingProfile16({
      ...set,
      chargingProfile: { ...set.chargingProfile, chargingSchedule: [schedule, { ...schedule, id: 2 }] },
    }, 42),
    setChargingProfile16({
      ...set,
      chargingProfile: {
        ...set.chargingProfile,
        chargingSchedule: [{ ...schedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 10.25 }] }],
      },
    }, 42),
    setChargingProfile16({
      ...set,
      chargingProfile: {
        ...set.chargingProfile,
        chargingSchedule: [{
          ...schedule,
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 10, phaseToUse: 2 }],
        }],
      },
    }, 42),
    setChargingProfile16({
      ...set,
      chargingProfile: { ...max, chargingProfilePurpose: "ChargingStationExternalConstraints" as const },
    }, null),
  ];
  assertEquals(cannot, [null, null, null, null, null]);
  assertEquals(
    clearChargingProfile16({
      chargingProfileId: 12,
      chargingProfileCriteria: {
        evseId: 0,
        chargingProfilePurpose: "ChargingStationMaxProfile",
        stackLevel: 1,
      },
    }),
    { id: 12, connectorId: 0, chargingProfilePurpose: "ChargePointMaxProfile", stackLevel: 1 },
  );
  assertEquals(
    clearChargingProfile16({
      chargingProfileCriteria: { chargingProfilePurpose: "ChargingStationExternalConstraints" },
    }),
    null,
  );
});
