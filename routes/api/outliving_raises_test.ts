import { assertEquals, assertRejects } from "@std/assert";
import type { Principal } from "../../auth/principal.ts";
import type { DeviceModelEntry } from "../../model/device_model.ts";
import { ApiError } from "./http.ts";
import { type KnownStationSettings, refuseOutlivingRaise } from "./outliving_raises.ts";

const hour: Principal = {
  kind: "token",
  name: "hour",
  role: "operator",
  credentialId: "t-1",
  expiresAt: "2026-06-01T12:00:00.000Z",
};
const lasting: Principal = { ...hour, expiresAt: null };

/** A station whose reads are counted: the device model holds `entries`, the configuration `configuration`. */
function station(entries: DeviceModelEntry[], configuration: { key: string; value: string }[] | null = null) {
  const asked: string[][] = [];
  const settings: KnownStationSettings = {
    configuration: () =>
      Promise.resolve(configuration?.map((k) => ({ key: k.key, readonly: false, value: k.value })) ?? null),
    deviceModel: (keys) => {
      asked.push([...keys]);
      return Promise.resolve(entries);
    },
  };
  return { settings, asked };
}

const lifeTime = (evse: number, value: string): DeviceModelEntry => ({
  chargePointId: "CP-1",
  component: { name: "AuthCacheCtrlr", evse: { id: evse } },
  variable: { name: "LifeTime" },
  attributes: [{ type: "Actual", value }, { type: "MaxSet", value: "99999" }],
  requestId: 1,
  generatedAt: "2026-01-01T00:00:00Z",
  receivedAt: "2026-01-01T00:00:00Z",
});

const setLifeTime = (evse: number, attributeValue: string, attributeType?: string) => ({
  setVariableData: [{
    attributeValue,
    ...(attributeType ? { attributeType } : {}),
    component: { name: "AuthCacheCtrlr", evse: { id: evse } },
    variable: { name: "LifeTime" },
  }],
});

Deno.test("refuseOutlivingRaise() judges a 2.0.1 raise by the entry of the same EVSE and attribute", async () => {
  const { settings, asked } = station([lifeTime(1, "100"), lifeTime(2, "5000")]);
  await refuseOutlivingRaise(hour, "SetVariables", setLifeTime(1, "100"), settings);
  assertEquals(asked, [["AuthCacheCtrlr||1||LifeTime|"]]);
  await assertRejects(
    () => refuseOutlivingRaise(hour, "SetVariables", setLifeTime(1, "101"), settings),
    ApiError,
    'raises its current value "100"',
  );
  await refuseOutlivingRaise(hour, "SetVariables", setLifeTime(2, "4000"), settings);
  await refuseOutlivingRaise(hour, "SetVariables", setLifeTime(1, "500", "MaxSet"), settings);
  await assertRejects(
    () => refuseOutlivingRaise(hour, "SetVariables", setLifeTime(1, "5", "Target"), settings),
    ApiError,
    "not known",
  );
});

Deno.test("refuseOutlivingRaise() reads nothing for a lasting token or another setting, and refuses a job's but 0", async () => {
  const { settings, asked } = station([]);
  await refuseOutlivingRaise(lasting, "SetVariables", setLifeTime(1, "9999"), settings);
  await refuseOutlivingRaise(hour, "ChangeConfiguration", { key: "HeartbeatInterval", value: "9" }, settings);
  for (const payload of [null, "x", { setVariableData: [null, { component: 1 }] }]) {
    await refuseOutlivingRaise(hour, "SetVariables", payload, null);
  }
  assertEquals(asked, []);
  await assertRejects(
    () =>
      refuseOutlivingRaise(hour, "ChangeConfiguration", { key: "MaxEnergyOnInvalidId", value: "5" }, null),
    ApiError,
    "a job's stations",
  );
  await refuseOutlivingRaise(hour, "SetVariables", setLifeTime(1, " 0"), null);
});

Deno.test("refuseOutlivingRaise() refuses a 1.6 value that is no whole number, or a current one that is not", async () => {
  const { settings } = station([], [{ key: "MaxEnergyOnInvalidId", value: "abc" }]);
  const change = (value: unknown) => ({ key: "MaxEnergyOnInvalidId", value });
  await assertRejects(
    () => refuseOutlivingRaise(hour, "ChangeConfiguration", change("0"), settings),
    ApiError,
  );
  const known = station([], [{ key: "MaxEnergyOnInvalidId", value: " 100 " }]).settings;
  await refuseOutlivingRaise(hour, "ChangeConfiguration", change("0"), known);
  for (const value of ["-1", "1.5", "", 5, null]) {
    await assertRejects(
      () => refuseOutlivingRaise(hour, "ChangeConfiguration", change(value), known),
      ApiError,
    );
  }
});
