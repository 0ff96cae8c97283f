import { assertEquals } from "@std/assert";
import type { InstalledProfile } from "./charging_profiles.ts";
import { compositeSchedule, type ConnectorContext, limitAt, toWatts } from "./composite_schedule.ts";
import type { ChargingProfile } from "./ocpp.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const THREE_PHASE = { voltage: 230, phases: 3 };
const HARDWARE_W = 32 * 230 * 3;

function ctx(overrides: Partial<ConnectorContext> = {}): ConnectorContext {
  return { connectorId: 1, electrical: THREE_PHASE, relativeStart: T0, ...overrides };
}

function entry(
  connectorId: number,
  p: Partial<ChargingProfile> & { periods?: Array<[number, number]> },
): InstalledProfile {
  const { periods = [[0, 16]], ...rest } = p;
  return {
    connectorId,
    profile: {
      chargingProfileId: Math.floor(Math.random() * 1e9),
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      ...rest,
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
        ...rest.chargingSchedule,
      },
    },
  };
}

const amps = (a: number) => toWatts(a, "A", THREE_PHASE);

Deno.test("toWatts() converts amperes with the connector's voltage and at most its phases", () => {
  assertEquals(toWatts(16, "A", THREE_PHASE), 11040);
  assertEquals(toWatts(16, "A", THREE_PHASE, 1), 3680);
  assertEquals(toWatts(16, "A", { voltage: 230, phases: 1 }), 3680);
  assertEquals(toWatts(7000, "W", THREE_PHASE), 7000);
});

Deno.test("limitAt(): no profile means no limit", () => {
  assertEquals(limitAt([], T0, ctx()), null);
});

Deno.test("limitAt(): the highest stack level wins while its schedule runs, then falls through", () => {
  const installed = [
    entry(0, { stackLevel: 0, periods: [[0, 16]] }),
    entry(1, { stackLevel: 3, periods: [[0, 10], [600, 6]], chargingSchedule: { duration: 1200 } as never }),
  ];
  const c = ctx({ transaction: { startedAt: T0 } });
  assertEquals(limitAt(installed, T0, c), amps(10));
  assertEquals(limitAt(installed, T0 + 599_000, c), amps(10));
  assertEquals(limitAt(installed, T0 + 600_000, c), amps(6));
  assertEquals(limitAt(installed, T0 + 1_200_000, c), amps(16));
});

Deno.test("limitAt(): a connector's own TxDefaultProfile beats the station-wide one at the same level", () => {
  const installed = [entry(0, { periods: [[0, 16]] }), entry(1, { periods: [[0, 8]] })];
  assertEquals(limitAt(installed, T0, ctx()), amps(8));
  assertEquals(limitAt(installed, T0, ctx({ connectorId: 2 })), amps(16));
});

Deno.test("limitAt(): a TxProfile overrides any TxDefaultProfile, and only during its transaction", () => {
  const installed = [
    entry(1, { stackLevel: 9, periods: [[0, 6]] }),
    entry(1, { chargingProfilePurpose: "TxProfile", stackLevel: 0, transactionId: 5, periods: [[0, 20]] }),
  ];
  assertEquals(limitAt(installed, T0, ctx({ transaction: { startedAt: T0, transactionId: 5 } })), amps(20));
  assertEquals(limitAt(installed, T0, ctx({ transaction: { startedAt: T0, transactionId: 6 } })), amps(6));
  assertEquals(limitAt(installed, T0, ctx()), amps(6));
});

Deno.test("limitAt(): the ChargePointMaxProfile caps the connector, in any unit", () => {
  const installed = [
    entry(0, { periods: [[0, 32]] }),
    entry(0, {
      chargingProfilePurpose: "ChargePointMaxProfile",
      chargingProfileKind: "Absolute",
      periods: [[0, 7000]],
      chargingSchedule: { chargingRateUnit: "W", startSchedule: "2030-01-01T00:00:00Z" } as never,
    }),
  ];
  assertEquals(limitAt(installed, T0, ctx()), 7000);
  assertEquals(limitAt(installed, T0 - 1, ctx({ relativeStart: T0 - 1000 })), amps(32));
  assertEquals(limitAt(installed, T0, ctx({ connectorId: 0 })), 7000);
});

Deno.test("limitAt(): Relative profiles start with the transaction; validFrom/validTo bound any profile", () => {
  const relative = [entry(1, { periods: [[0, 10], [3600, 20]] })];
  const started = T0 - 3_600_000;
  assertEquals(limitAt(relative, T0, ctx({ transaction: { startedAt: started } })), amps(20));
  assertEquals(limitAt(relative, T0, ctx()), amps(10));
  const bounded = [entry(1, { validFrom: "2030-01-01T01:00:00Z", validTo: "2030-01-01T02:00:00Z" })];
  assertEquals(limitAt(bounded, T0, ctx()), null);
  assertEquals(limitAt(bounded, T0 + 3_600_000, ctx()), amps(16));
  assertEquals(limitAt(bounded, T0 + 7_200_000, ctx()), null);
});

Deno.test("limitAt(): a Daily profile repeats from its startSchedule, not before it", () => {
  const daily = [
    entry(0, {
      chargingProfileKind: "Recurring",
      recurrencyKind: "Daily",
      periods: [[0, 6], [8 * 3600, 32]],
      chargingSchedule: { startSchedule: "2030-01-01T00:00:00Z" } as never,
    }),
  ];
  assertEquals(limitAt(daily, T0 - 1000, ctx()), null);
  assertEquals(limitAt(daily, T0 + 3 * 86_400_000 + 3_600_000, ctx()), amps(6));
  assertEquals(limitAt(daily, T0 + 3 * 86_400_000 + 9 * 3_600_000, ctx()), amps(32));
});

Deno.test("compositeSchedule() merges stacked profiles and the station cap into periods in the asked unit", () => {
  const installed = [
    entry(0, { stackLevel: 0, periods: [[0, 16]] }),
    entry(1, { stackLevel: 2, periods: [[0, 10], [600, 25]], chargingSchedule: { duration: 1800 } as never }),
    entry(0, {
      chargingProfilePurpose: "ChargePointMaxProfile",
      chargingProfileKind: "Absolute",
      periods: [[0, 20]],
      chargingSchedule: { startSchedule: "2030-01-01T00:15:00Z" } as never,
    }),
  ];
  const schedule = compositeSchedule(
    installed,
    ctx({ transaction: { startedAt: T0 } }),
    T0,
    3600,
    "A",
    HARDWARE_W,
  );
  assertEquals(schedule, {
    duration: 3600,
    startSchedule: "2030-01-01T00:00:00.000Z",
    chargingRateUnit: "A",
    chargingSchedulePeriod: [
      { startPeriod: 0, limit: 10 },
      { startPeriod: 600, limit: 25 },
      { startPeriod: 900, limit: 20 },
      { startPeriod: 1800, limit: 16 },
    ],
  });
  const inWatts = compositeSchedule(
    installed,
    ctx({ transaction: { startedAt: T0 } }),
    T0,
    700,
    "W",
    HARDWARE_W,
  );
  assertEquals(inWatts.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6900 }, {
    startPeriod: 600,
    limit: 17250,
  }]);
});

Deno.test("compositeSchedule() without profiles is the connector's own maximum", () => {
  assertEquals(compositeSchedule([], ctx(), T0, 60, "A", HARDWARE_W).chargingSchedulePeriod, [{
    startPeriod: 0,
    limit: 32,
  }]);
});

Deno.test("compositeSchedule() lists each occurrence of a recurring profile in the window", () => {
  const daily = [
    entry(1, {
      chargingProfileKind: "Recurring",
      recurrencyKind: "Daily",
      periods: [[0, 6], [12 * 3600, 16]],
      chargingSchedule: { startSchedule: "2029-12-01T00:00:00Z" } as never,
    }),
  ];
  const schedule = compositeSchedule(daily, ctx(), T0 + 6 * 3_600_000, 86_400, "A", HARDWARE_W);
  assertEquals(schedule.chargingSchedulePeriod, [
    { startPeriod: 0, limit: 6 },
    { startPeriod: 6 * 3600, limit: 16 },
    { startPeriod: 18 * 3600, limit: 6 },
  ]);
});
