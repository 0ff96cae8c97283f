import { assertEquals } from "@std/assert";
import type { ExternalChargingLimit } from "../model/charging_reports.ts";
import { externalLimitA } from "./external_limits.ts";

const AT = "2026-01-01T10:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000);

function limit(evseId: number, schedule?: Record<string, unknown>): ExternalChargingLimit {
  return {
    evseId,
    chargingLimitSource: "SO",
    isGridCritical: false,
    at: AT,
    ...(schedule ? { chargingSchedule: [{ id: 1, ...schedule }] } : {}),
  };
}

Deno.test("externalLimitA(): the period in force, from the schedule's start or when it was received", () => {
  const steps = limit(1, {
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 600, limit: 6 }, { startPeriod: 0, limit: 16 }],
  });
  assertEquals(externalLimitA([steps], 1, at(0)), 16);
  assertEquals(externalLimitA([steps], 1, at(9)), 16);
  assertEquals(externalLimitA([steps], 1, at(10)), 6);
  assertEquals(externalLimitA([steps], 1, at(-1)), null, "before it starts");
  const later = limit(1, {
    startSchedule: "2026-01-01T11:00:00.000Z",
    duration: 1800,
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }],
  });
  assertEquals(externalLimitA([later], 1, at(30)), null);
  assertEquals(externalLimitA([later], 1, at(60)), 8);
  assertEquals(externalLimitA([later], 1, at(90)), null, "after its duration");
});

Deno.test("externalLimitA(): its EVSE or the whole station, the lowest wins; watts at 230 V per phase", () => {
  const evse2 = limit(2, { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 5 }] });
  const station = limit(0, {
    chargingRateUnit: "W",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900, numberPhases: 1 }],
  });
  assertEquals(externalLimitA([evse2], 1, at(1)), null, "another EVSE's");
  assertEquals(externalLimitA([evse2, station], 1, at(1)), 30);
  assertEquals(externalLimitA([evse2, station], 2, at(1)), 5);
  const threePhase = limit(0, {
    chargingRateUnit: "W",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 11040 }],
  });
  assertEquals(externalLimitA([threePhase], 1, at(1)), 16);
  assertEquals(externalLimitA([limit(1)], 1, at(1)), null, "no schedule: no amount");
});

Deno.test("externalLimitA(): a period that gives no amount of amps (stored before such were refused) caps nothing", () => {
  const nan = limit(1, {
    chargingRateUnit: "W",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 0, numberPhases: 0 }],
  });
  assertEquals(externalLimitA([nan], 1, at(1)), null, "0 W over 0 phases");
  const negative = limit(1, {
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: -64 }],
  });
  assertEquals(externalLimitA([negative], 1, at(1)), 0, "below zero: nothing");
  assertEquals(externalLimitA([nan, negative], 1, at(1)), 0);
});
