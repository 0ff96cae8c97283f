import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  changeConfiguration,
  configBool,
  configInt,
  configMeasurands,
  defaultConfiguration,
  getConfiguration,
} from "./configuration.ts";

const CONFIG = defaultConfiguration({
  connectors: 2,
  heartbeatIntervalS: 300,
  meterIntervalS: 30,
  authorizationKey: "0123456789abcdef0123",
});

Deno.test("defaultConfiguration() fills in the connectors, intervals, security profile and valid overrides of writable keys", () => {
  assertEquals(configInt(CONFIG, "NumberOfConnectors"), 2);
  assertEquals(configInt(CONFIG, "HeartbeatInterval"), 300);
  assertEquals(configInt(CONFIG, "MeterValueSampleInterval"), 30);
  assertEquals(configInt(CONFIG, "SecurityProfile"), 1);
  assertEquals(CONFIG.get("ConnectorPhaseRotation"), "0.RST,1.RST,2.RST");
  const overridden = defaultConfiguration({
    connectors: 1,
    heartbeatIntervalS: 1,
    meterIntervalS: 1,
    overrides: { authorizeremotetxrequests: "true" },
  });
  assert(configBool(overridden, "AuthorizeRemoteTxRequests"));
  assertEquals(configInt(overridden, "SecurityProfile"), 0);
  const base = { connectors: 1, heartbeatIntervalS: 1, meterIntervalS: 1 };
  assertThrows(
    () => defaultConfiguration({ ...base, overrides: { Nope: "1" } }),
    Error,
    'Unknown key "Nope"',
  );
  assertThrows(
    () => defaultConfiguration({ ...base, overrides: { NumberOfConnectors: "3" } }),
    Error,
    '"NumberOfConnectors" is read-only',
  );
  assertThrows(
    () => defaultConfiguration({ ...base, overrides: { HeartbeatInterval: "often" } }),
    Error,
    "needs a whole number",
  );
});

Deno.test("getConfiguration() lists every key, read-only flags right, and never the AuthorizationKey's value", () => {
  const all = getConfiguration(CONFIG);
  assertEquals(all.unknownKey, undefined);
  const keys = all.configurationKey ?? [];
  assert(keys.length >= 35);
  assertEquals(keys.find((k) => k.key === "NumberOfConnectors"), {
    key: "NumberOfConnectors",
    readonly: true,
    value: "2",
  });
  assertEquals(keys.find((k) => k.key === "HeartbeatInterval")?.readonly, false);
  assertEquals(keys.find((k) => k.key === "AuthorizationKey"), { key: "AuthorizationKey", readonly: false });
  assert(!JSON.stringify(all).includes("0123456789abcdef0123"));
});

Deno.test("getConfiguration() answers the keys asked for, case-insensitively, and names the unknown ones", () => {
  assertEquals(getConfiguration(CONFIG, ["heartbeatInterval", "Nope"]), {
    configurationKey: [{ key: "HeartbeatInterval", readonly: false, value: "300" }],
    unknownKey: ["Nope"],
  });
});

Deno.test("changeConfiguration() accepts good values of writable keys", () => {
  const result = changeConfiguration(CONFIG, "meterValueSampleInterval", "15");
  assertEquals(result.status, "Accepted");
  if (result.status !== "Accepted") return;
  assertEquals(result.key, "MeterValueSampleInterval");
  assertEquals(configInt(result.config, "MeterValueSampleInterval"), 15);
  assertEquals(configInt(CONFIG, "MeterValueSampleInterval"), 30, "the old configuration is left alone");
  const bool = changeConfiguration(CONFIG, "LocalPreAuthorize", "TRUE");
  assert(bool.status === "Accepted" && configBool(bool.config, "LocalPreAuthorize"));
  const list = changeConfiguration(CONFIG, "MeterValuesSampledData", "Energy.Active.Import.Register,Voltage");
  assert(list.status === "Accepted");
  assertEquals(configMeasurands(list.config, "MeterValuesSampledData"), [
    "Energy.Active.Import.Register",
    "Voltage",
  ]);
  assertEquals(changeConfiguration(CONFIG, "AuthorizationKey", "a-new-key-of-20-chars").status, "Accepted");
});

Deno.test("changeConfiguration() rejects read-only keys and bad values, and does not support unknown keys", () => {
  const status = (key: string, value: string) => changeConfiguration(CONFIG, key, value).status;
  assertEquals(status("NumberOfConnectors", "4"), "Rejected");
  assertEquals(status("LocalAuthListMaxLength", "5"), "Rejected");
  assertEquals(status("HeartbeatInterval", "-1"), "Rejected");
  assertEquals(status("HeartbeatInterval", "ten"), "Rejected");
  assertEquals(status("LocalPreAuthorize", "yes"), "Rejected");
  assertEquals(status("MeterValuesSampledData", "Energy.Active.Import.Register,RPM"), "Rejected");
  assertEquals(status("MeterValuesSampledData", Array(8).fill("Voltage").join(",")), "Rejected");
  assertEquals(status("AuthorizationKey", "short"), "Rejected");
  assertEquals(status("NoSuchKey", "1"), "NotSupported");
});

Deno.test("defaultConfiguration() takes a station model's fixed (read-only) values, still checked, which no change may alter", () => {
  const config = defaultConfiguration({
    connectors: 1,
    heartbeatIntervalS: 60,
    meterIntervalS: 60,
    fixed: { SendLocalListMaxLength: "2", localauthlistmaxlength: "5" },
  });
  assertEquals([config.get("SendLocalListMaxLength"), config.get("LocalAuthListMaxLength")], ["2", "5"]);
  assertEquals(changeConfiguration(config, "SendLocalListMaxLength", "9").status, "Rejected");
  assertThrows(() =>
    defaultConfiguration({
      connectors: 1,
      heartbeatIntervalS: 60,
      meterIntervalS: 60,
      fixed: { SendLocalListMaxLength: "x" },
    })
  );
});
