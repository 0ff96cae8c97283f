import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { getConfiguration } from "./get_configuration.ts";

const AT = "2026-05-01T10:00:00.000Z";
const known = station({
  configuration: [{ key: "A", readonly: false, value: "1" }, { key: "B", readonly: true, value: "2" }],
});

Deno.test("GetConfiguration for every key replaces the stored configuration, sorted by key", () => {
  const patch = getConfiguration.detailedEffect!(known, {}, {
    configurationKey: [{ key: "Z", readonly: false, value: "9" }, { key: "C", readonly: true }],
  }, AT);
  assertEquals(patch, {
    configuration: [{ key: "C", readonly: true }, { key: "Z", readonly: false, value: "9" }],
  });
});

Deno.test("GetConfiguration for some keys merges them into what was stored", () => {
  const patch = getConfiguration.detailedEffect!(known, { key: ["B"] }, {
    configurationKey: [{ key: "B", readonly: true, value: "3" }],
    unknownKey: ["Q"],
  }, AT);
  assertEquals(patch, {
    configuration: [{ key: "A", readonly: false, value: "1" }, { key: "B", readonly: true, value: "3" }],
  });
});
