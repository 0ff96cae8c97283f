import { assertEquals } from "@std/assert";
import {
  MAX_CHARGING_REPORTS_CHARS,
  MAX_REPORTED_PROFILES,
  withChargingLimit,
  withoutChargingLimit,
  withReportedProfiles,
} from "./charging_reports.ts";

const AT = "2026-12-01T00:00:00.000Z";
const report = (evseId: number, ids: number[]) => ({
  evseId,
  chargingLimitSource: "CSO",
  chargingProfile: ids.map((id) => ({ id })),
});

Deno.test("withReportedProfiles() adds to the same requestId and starts afresh on a new one", () => {
  const first = withReportedProfiles(undefined, 1, report(1, [1]), true, AT);
  const second = withReportedProfiles(first, 1, report(2, [2]), false, AT);
  assertEquals([second.complete, second.reports.map((r) => r.evseId)], [true, [1, 2]]);
  const next = withReportedProfiles(second, 2, report(3, [3]), false, AT);
  assertEquals([next.requestId, next.reports.map((r) => r.evseId)], [2, [3]]);
});

Deno.test("withReportedProfiles() keeps at most MAX_REPORTED_PROFILES profiles", () => {
  const many = Array.from({ length: MAX_REPORTED_PROFILES + 5 }, (_, i) => i);
  const kept = withReportedProfiles(undefined, 1, report(1, many), false, AT);
  assertEquals(kept.reports[0]!.chargingProfile.length, MAX_REPORTED_PROFILES);
  // Past the bound a message adds no entry at all (an empty one per message would grow without bound).
  const after = withReportedProfiles(kept, 1, report(2, [1]), true, AT);
  assertEquals(after.reports, kept.reports);
  assertEquals(after.complete, false);
});

Deno.test("withChargingLimit() replaces by EVSE and source; withoutChargingLimit() without EVSE clears all", () => {
  const limit = (evseId: number, source: string, isGridCritical: boolean) => ({
    evseId,
    chargingLimitSource: source,
    isGridCritical,
    at: AT,
  });
  let r = withChargingLimit(undefined, limit(2, "SO", false));
  r = withChargingLimit(r, limit(1, "SO", false));
  r = withChargingLimit(r, limit(1, "SO", true));
  r = withChargingLimit(r, limit(1, "EMS", false));
  assertEquals(r.limits.map((l) => [l.evseId, l.chargingLimitSource, l.isGridCritical]), [
    [1, "SO", true],
    [1, "EMS", false],
    [2, "SO", false],
  ]);
  assertEquals(withoutChargingLimit(r, "SO", 1).limits.length, 2);
  assertEquals(withoutChargingLimit(r, "SO", undefined).limits.map((l) => l.chargingLimitSource), ["EMS"]);
});

Deno.test("withChargingLimit() keeps a limit without its schedule when the reports would outgrow their bound", () => {
  const periods = Array.from({ length: 1024 }, (_, i) => ({ startPeriod: i * 60, limit: 1000.5 + i }));
  const limit = (evseId: number) => ({
    evseId,
    chargingLimitSource: "EMS",
    isGridCritical: false,
    chargingSchedule: [{ id: 1, chargingRateUnit: "W", chargingSchedulePeriod: periods }],
    at: AT,
  });
  const one = withChargingLimit(undefined, limit(1));
  assertEquals(one.limits[0]!.chargingSchedule?.length, 1);
  const two = withChargingLimit(one, limit(2));
  assertEquals(two.limits.map((l) => [l.evseId, l.chargingSchedule !== undefined]), [[1, true], [2, false]]);
  assertEquals(JSON.stringify(two).length <= MAX_CHARGING_REPORTS_CHARS, true);
});
