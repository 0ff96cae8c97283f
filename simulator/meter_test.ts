import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { advance, type Ev, evDemandW, type Meter, sampledValues } from "./meter.ts";

const EV: Ev = { capacityWh: 60_000, socPercent: 50, maxPowerW: 11_000 };
const METER: Meter = { energyWh: 1000, powerW: 0, offeredW: 0 };
const THREE_PHASE = { voltage: 230, phases: 3 };

Deno.test("evDemandW() takes the lower of offer and on-board charger, tapers above 80 % and stops when full", () => {
  assertEquals(evDemandW(EV, 22_000), 11_000);
  assertEquals(evDemandW(EV, 4_000), 4_000);
  assertEquals(evDemandW(EV, 0), 0);
  assertEquals(evDemandW({ ...EV, socPercent: 90 }, 22_000), 5_500);
  assertEquals(evDemandW({ ...EV, socPercent: 99.9 }, 22_000), 1_100);
  assertEquals(evDemandW({ ...EV, socPercent: 100 }, 22_000), 0);
});

Deno.test("advance() integrates power into energy and state of charge", () => {
  const { meter, ev } = advance(METER, EV, 0, 3_600_000, () => 22_000);
  assertAlmostEquals(meter.energyWh, 12_000, 1e-6);
  assertEquals(meter.powerW, 11_000);
  assertEquals(meter.offeredW, 22_000);
  assertAlmostEquals(ev.socPercent, 50 + 11_000 / 60_000 * 100, 1e-9);
});

Deno.test("advance() follows an offer that changes mid-interval, to within one step", () => {
  const offer = (t: number) => (t < 30_000 ? 6_900 : 3_680);
  const { meter } = advance(METER, EV, 0, 60_000, offer);
  assertAlmostEquals(meter.energyWh - METER.energyWh, (6_900 * 30 + 3_680 * 30) / 3600, 1e-6);
  assertEquals(meter.powerW, 3_680);
});

Deno.test("advance() never lowers the register and stops adding when the battery is full", () => {
  let state = { meter: METER, ev: { ...EV, socPercent: 99 } };
  let last = state.meter.energyWh;
  for (let i = 0; i < 200; i++) {
    state = advance(state.meter, state.ev, i * 60_000, (i + 1) * 60_000, () => 22_000);
    assert(state.meter.energyWh >= last);
    last = state.meter.energyWh;
  }
  assertEquals(state.ev.socPercent, 100);
  assertEquals(state.meter.powerW, 0);
  assertAlmostEquals(last - METER.energyWh, 600, 1);
});

Deno.test("advance() over no time changes nothing", () => {
  assertEquals(advance(METER, EV, 5, 5, () => 1000), { meter: METER, ev: EV });
});

Deno.test("sampledValues() reads the measurands asked for, in their units", () => {
  const meter: Meter = { energyWh: 12_345.9, powerW: 11_040, offeredW: 22_080 };
  assertEquals(
    sampledValues(
      meter,
      EV,
      [
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "Current.Import",
        "Current.Offered",
        "Power.Offered",
        "Voltage",
        "SoC",
      ],
      "Sample.Periodic",
      THREE_PHASE,
    ),
    [
      {
        value: "12345",
        context: "Sample.Periodic",
        measurand: "Energy.Active.Import.Register",
        location: "Outlet",
        unit: "Wh",
      },
      {
        value: "11040.0",
        context: "Sample.Periodic",
        measurand: "Power.Active.Import",
        location: "Outlet",
        unit: "W",
      },
      {
        value: "16.0",
        context: "Sample.Periodic",
        measurand: "Current.Import",
        location: "Outlet",
        unit: "A",
      },
      {
        value: "32.0",
        context: "Sample.Periodic",
        measurand: "Current.Offered",
        location: "Outlet",
        unit: "A",
      },
      {
        value: "22080.0",
        context: "Sample.Periodic",
        measurand: "Power.Offered",
        location: "Outlet",
        unit: "W",
      },
      { value: "230.0", context: "Sample.Periodic", measurand: "Voltage", location: "Outlet", unit: "V" },
      { value: "50", context: "Sample.Periodic", measurand: "SoC", location: "EV", unit: "Percent" },
    ],
  );
  assertEquals(sampledValues(meter, null, ["SoC", "Frequency"], "Trigger", THREE_PHASE), []);
});
