import { assertEquals } from "@std/assert";
import type { StoredChargingProfile } from "../model/charging_profile.ts";
import { changedSince, profileVersions, unchangedSince, withChanges } from "./profiles_asked.ts";

function stored(id: number, updatedAt: string): StoredChargingProfile {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: "TxDefaultProfile",
    transactionId: null,
    profile: {
      chargingProfileId: id,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    },
    source: "loadManagement",
    state: "installed",
    requestedBy: "loadManagement:depot",
    updatedAt,
  };
}

// The node that sent the command has its clock 5 s ahead of the node that judges the answer.
const AHEAD = "2026-12-07T10:00:05.000Z";
const BEHIND_LATER = "2026-12-07T10:00:01.000Z";

Deno.test("changedSince() judges by equality: a record written by a clock ahead is the one asked about", () => {
  const asked = profileVersions([stored(7, AHEAD)]);
  assertEquals(changedSince([stored(7, AHEAD)], asked, 7), false);
  // Written since by a node whose clock is behind: an earlier time, yet a change.
  assertEquals(changedSince([stored(7, BEHIND_LATER)], asked, 7), true);
  assertEquals(changedSince([], asked, 7), true, "removed since");
  assertEquals(changedSince([stored(8, BEHIND_LATER)], profileVersions([]), 8), true, "made since");
  assertEquals(changedSince([], profileVersions([]), 8), false, "none then, none now");
});

Deno.test("unchangedSince() keeps only the records as they were asked about", () => {
  const asked = profileVersions([stored(1, AHEAD), stored(2, AHEAD)]);
  const now = [stored(1, AHEAD), stored(2, BEHIND_LATER), stored(3, BEHIND_LATER)];
  assertEquals(unchangedSince(now, asked).map((s) => s.chargingProfileId), [1]);
});

Deno.test("withChanges() is the list once a write's removals and puts are applied", () => {
  const list = withChanges([stored(1, AHEAD), stored(2, AHEAD)], {
    remove: [1],
    put: [stored(2, BEHIND_LATER)],
  });
  assertEquals(profileVersions(list), { "2": BEHIND_LATER });
});
