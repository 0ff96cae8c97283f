import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { changeConfiguration } from "./change_configuration.ts";

const AT = "2026-05-01T10:00:00.000Z";
const known = station({ configuration: [{ key: "HeartbeatInterval", readonly: false, value: "300" }] });

Deno.test("ChangeConfiguration accepted (or needing a reboot) writes the new value into the configuration", () => {
  const change = { key: "HeartbeatInterval", value: "60" };
  for (const status of ["Accepted", "RebootRequired"] as const) {
    assertEquals(changeConfiguration.detailedEffect!(known, change, { status }, AT), {
      configuration: [{ key: "HeartbeatInterval", readonly: false, value: "60" }],
    });
  }
  assertEquals(
    changeConfiguration.detailedEffect!(known, { key: "New", value: "x" }, { status: "Accepted" }, AT),
    {
      configuration: [{ key: "HeartbeatInterval", readonly: false, value: "300" }, {
        key: "New",
        readonly: false,
        value: "x",
      }],
    },
  );
});

Deno.test("ChangeConfiguration rejected or not supported teaches nothing", () => {
  for (const status of ["Rejected", "NotSupported"] as const) {
    assertEquals(
      changeConfiguration.detailedEffect!(known, { key: "HeartbeatInterval", value: "60" }, { status }, AT),
      null,
    );
  }
});
