import { assertEquals, assertThrows } from "@std/assert";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() gives the documented defaults", () => {
  const config = parseConfig({});
  assertEquals([config.PORT, config.KV_PATH, config.DATABASE_URL, config.REGISTRATION_POLICY], [
    3001,
    "./data/csms.kv",
    undefined,
    "Accepted",
  ]);
});

Deno.test("parseConfig() treats a variable set to the empty string as unset", () => {
  assertEquals(parseConfig({ DATABASE_URL: "", PORT: "" }).DATABASE_URL, undefined);
  assertEquals(parseConfig({ PORT: "" }).PORT, 3001);
});

Deno.test("parseConfig() names every bad variable", () => {
  assertThrows(
    () => parseConfig({ PORT: "70000", REGISTRATION_POLICY: "Maybe" }),
    Error,
    "Invalid settings: PORT",
  );
});

Deno.test("parseConfig() listens with Deno.serve by default, and on node:http when HTTP_SERVER says", () => {
  assertEquals(parseConfig({}).HTTP_SERVER, "deno");
  assertEquals(parseConfig({ HTTP_SERVER: "node" }).HTTP_SERVER, "node");
  assertThrows(() => parseConfig({ HTTP_SERVER: "uws" }), Error, "HTTP_SERVER");
});
