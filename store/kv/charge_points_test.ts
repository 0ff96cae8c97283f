import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { serialize } from "node:v8";
import type { ChargingReports } from "../../model/charging_reports.ts";
import { emptyRecord } from "../../model/charge_point.ts";
import { fitted, fittedConfiguration, fittedReports } from "./charge_points.ts";

const KV_VALUE_LIMIT = 64 * 1024;

Deno.test("a side value KV could not hold keeps its first entries that fit; one that fits is kept as it is", () => {
  const small = [{ key: "A", readonly: false, value: "1" }];
  assertStrictEquals(fittedConfiguration(small), small);
  // One non-Latin-1 character: V8 stores the whole string two bytes a character, twice its estimate.
  const wide = Array.from(
    { length: 300 },
    (_, i) => ({ key: `K${i}`, readonly: true, value: `${"x".repeat(299)}電` }),
  );
  const kept = fittedConfiguration(wide);
  assert(kept.length > 20 && kept.length < 300, `${kept.length}`);
  assert(serialize(kept).byteLength < KV_VALUE_LIMIT);
  assertEquals(kept, wide.slice(0, kept.length));

  const profile = (id: number) => ({
    id,
    stackLevel: 0,
    chargingSchedule: [{
      id: 1,
      chargingSchedulePeriod: Array.from({ length: 200 }, (_, s) => ({ startPeriod: s })),
    }],
  });
  const reports: ChargingReports = {
    requestId: 7,
    complete: true,
    reports: Array.from({ length: 64 }, (_, i) => ({
      evseId: 1,
      chargingLimitSource: "CSO",
      chargingProfile: [profile(i)],
    })),
    limits: [{ evseId: 1, chargingLimitSource: "SO", isGridCritical: true, at: "2026-12-05T00:00:00.000Z" }],
  };
  const fitted = fittedReports(reports);
  assert(fitted.reports.length > 0 && fitted.reports.length < 64, `${fitted.reports.length}`);
  assertEquals(fitted.reports, reports.reports.slice(0, fitted.reports.length));
  assertEquals([fitted.requestId, fitted.complete], [7, true]);
  assertEquals(fitted.limits, reports.limits, "limits are kept before profiles");
  // Limits alone too large: the newest are kept.
  const limit = (evseId: number) => ({ ...reports.limits[0]!, evseId, chargingSchedule: [profile(evseId)] });
  const many = { ...reports, reports: [], limits: Array.from({ length: 100 }, (_, i) => limit(i)) };
  const newest = fittedReports(many).limits;
  assert(newest.length > 0 && newest.length < 100, `${newest.length}`);
  assertEquals(newest, many.limits.slice(100 - newest.length));
  assert(serialize(fitted).byteLength < KV_VALUE_LIMIT);
  const few = { ...reports, reports: reports.reports.slice(0, 2) };
  assertStrictEquals(fittedReports(few), few);
});

Deno.test("a record of a hundred connectors with texts near twice their estimate is stored without the texts", () => {
  const text = (length: number) => `${"x".repeat(length - 1)}電`;
  const record = emptyRecord("CP-WIDE", new Date(0));
  record.connectors = Array.from({ length: 101 }, (_, connectorId) => ({
    connectorId,
    status: "Faulted" as const,
    errorCode: "OtherError" as const,
    info: text(50),
    vendorId: text(160),
    vendorErrorCode: text(50),
    timestamp: "2026-12-05T00:00:00.000Z",
  }));
  assert(serialize(record).byteLength > KV_VALUE_LIMIT);
  const kept = fitted(record);
  assert(serialize(kept).byteLength < KV_VALUE_LIMIT);
  assertEquals(kept.connectors[7], {
    connectorId: 7,
    status: "Faulted",
    errorCode: "OtherError",
    timestamp: "2026-12-05T00:00:00.000Z",
  });
});
