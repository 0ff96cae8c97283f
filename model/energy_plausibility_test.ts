import { assertEquals } from "@std/assert";
import {
  DURATION_ALLOWANCE_MS,
  implausibleEnergy,
  MAX_PLAUSIBLE_POWER_W,
  maxEnergyWh,
  plausibleRunningWh,
  runningImplausibleEnergy,
} from "./energy_plausibility.ts";

const T0 = "2026-05-01T10:00:00.000Z";
const T1 = "2026-05-01T11:00:00.000Z";
const session = (meterStart: number, meterStop: number | null) => ({
  meterStart,
  meterStop,
  startTimestamp: T0,
  stopTimestamp: meterStop === null ? null : T1,
  createdAt: T0,
  stoppedAt: meterStop === null ? null : T1,
});
/** An hour's session plus the allowance, at the bound's power. */
const HOUR_MAX_WH = MAX_PLAUSIBLE_POWER_W * (3_600_000 + DURATION_ALLOWANCE_MS) / 3_600_000;

Deno.test("implausibleEnergy() passes a real meter's readings, up to the power bound", () => {
  assertEquals(implausibleEnergy(session(10_000, 22_000)), null);
  assertEquals(implausibleEnergy(session(0, 0)), null);
  assertEquals(implausibleEnergy(session(1_000, 1_000 + HOUR_MAX_WH)), null);
  assertEquals(implausibleEnergy(session(1_000, null)), null);
});

Deno.test("implausibleEnergy() names a negative register, a meter that went backwards and too much energy", () => {
  assertEquals(implausibleEnergy(session(-5e15, 5e15)), { reason: "negative_reading" });
  assertEquals(implausibleEnergy(session(-1, null)), { reason: "negative_reading" });
  assertEquals(implausibleEnergy(session(0, -1)), { reason: "negative_reading" });
  assertEquals(implausibleEnergy(session(0, 2 ** 60)), { reason: "negative_reading" });
  assertEquals(implausibleEnergy(session(9_000, 4_000)), { reason: "meter_backwards" });
  assertEquals(implausibleEnergy(session(1_000, 1_001 + HOUR_MAX_WH)), {
    reason: "above_max_power",
    maxWh: HOUR_MAX_WH,
  });
});

Deno.test("implausibleEnergy() leaves a 2.0.1 start without a reading unjudged", () => {
  assertEquals(implausibleEnergy({ ...session(0, 5_000), meterStartUnknown: true }), null);
});

Deno.test("maxEnergyWh() takes the longer of the station's and our durations: a wrong clock or a queued session", () => {
  const allowance = MAX_PLAUSIBLE_POWER_W * DURATION_ALLOWANCE_MS / 3_600_000;
  // Station clock stuck (start = stop), received an hour apart.
  assertEquals(maxEnergyWh({ ...session(0, 1), stopTimestamp: T0 }), HOUR_MAX_WH);
  // Queued offline: start and stop arrived together, the station's clock says an hour.
  assertEquals(maxEnergyWh({ ...session(0, 1), stoppedAt: T0 }), HOUR_MAX_WH);
  // No duration to trust: the allowance alone.
  assertEquals(maxEnergyWh({ ...session(0, 1), stopTimestamp: T0, stoppedAt: T0 }), allowance);
  // Running: until now.
  assertEquals(maxEnergyWh(session(0, null), Date.parse(T1)), HOUR_MAX_WH);
});

Deno.test("plausibleRunningWh() counts a running session's energy so far only when its readings can be real", () => {
  const now = Date.parse(T1);
  assertEquals(plausibleRunningWh(session(1_000, null), 5_000, now), 5_000);
  assertEquals(plausibleRunningWh(session(-5e15, null), 5e15, now), 0);
  assertEquals(plausibleRunningWh(session(1_000, null), HOUR_MAX_WH + 1, now), 0);
  assertEquals(plausibleRunningWh(session(1_000, null), -5, now), 0);
});

Deno.test("runningImplausibleEnergy() says why a running session's readings so far can be no meter's", () => {
  const now = Date.parse(T1);
  assertEquals(runningImplausibleEnergy(session(1_000, null), 5_000, now), null);
  assertEquals(runningImplausibleEnergy(session(-5e15, null), 5e15, now), { reason: "negative_reading" });
  assertEquals(runningImplausibleEnergy(session(1_000, null), HOUR_MAX_WH + 1, now), {
    reason: "above_max_power",
    maxWh: HOUR_MAX_WH,
  });
  assertEquals(runningImplausibleEnergy(session(1_000, null), -5, now), { reason: "meter_backwards" });
});

Deno.test("implausibleEnergy() of a session of no time bounds it by the allowance alone, to the watt-hour", () => {
  const instant = (meterStop: number) => ({ ...session(0, meterStop), stopTimestamp: T0, stoppedAt: T0 });
  const allowanceWh = MAX_PLAUSIBLE_POWER_W * DURATION_ALLOWANCE_MS / 3_600_000;
  assertEquals(implausibleEnergy(instant(allowanceWh)), null);
  assertEquals(implausibleEnergy(instant(allowanceWh + 1)), {
    reason: "above_max_power",
    maxWh: allowanceWh,
  });
});
