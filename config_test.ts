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

Deno.test("parseConfig() listens on node:http by default, on Deno.serve on Deno Deploy or when HTTP_SERVER says", () => {
  assertEquals(parseConfig({}).HTTP_SERVER, "node");
  assertEquals(parseConfig({ HTTP_SERVER: "deno" }).HTTP_SERVER, "deno");
  assertEquals(parseConfig({ DENO_DEPLOYMENT_ID: "d1" }).HTTP_SERVER, "deno");
  assertEquals(parseConfig({ DENO_DEPLOYMENT_ID: "d1", HTTP_SERVER: "node" }).HTTP_SERVER, "node");
  assertThrows(() => parseConfig({ HTTP_SERVER: "uws" }), Error, "HTTP_SERVER");
});
