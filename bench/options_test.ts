import { assertEquals, assertThrows } from "@std/assert";
import { parseOptions } from "./options.ts";

Deno.test("parseOptions() without flags is the 5,000-station KV load run", () => {
  const o = parseOptions([]);
  assertEquals(o.kind, "load");
  if (o.kind !== "load") return;
  assertEquals([o.stations, o.servers, o.generatorsPerServer, o.store], [5000, 1, 1, "kv"]);
  assertEquals([o.durationS, o.intervalS, o.commandsPerS, o.write], [60, 30, 2, true]);
});

Deno.test("parseOptions() gives one generator per 10,000 stations of a server unless told", () => {
  const o = parseOptions(["--stations", "51000", "--servers", "3"]);
  assertEquals(o.kind === "load" && o.generatorsPerServer, 2);
  const p = parseOptions(["--stations", "51000", "--servers", "3", "--processes", "7"]);
  assertEquals(p.kind === "load" && p.generatorsPerServer, 3);
});

Deno.test("parseOptions() refuses more stations per generator than a process has files", () => {
  assertThrows(() => parseOptions(["--stations", "40000", "--processes", "1"]), Error, "20,000-file limit");
  assertThrows(
    () => parseOptions(["--peers", "--stations", "40000", "--generators", "2"]),
    Error,
    "raise --generators",
  );
});

Deno.test("parseOptions() --peers measures every target with the issue's figures", () => {
  const o = parseOptions(["--peers"]);
  assertEquals(o.kind, "peers");
  if (o.kind !== "peers") return;
  assertEquals(o.targets, ["raw", "ocpp-rpc", "kv", "postgres"]);
  assertEquals([o.stations, o.footprintStations, o.bootRatePerS, o.rates], [1000, 10000, 2000, [2000, 5000]]);
  assertEquals([o.warmupS, o.windowS, o.rounds, o.generators, o.pin, o.quick], [2, 6, 3, 1, true, false]);
});

Deno.test("parseOptions() --peers waits 45 s for the settled RSS reading unless told; --settle 0 skips it", () => {
  const o = parseOptions(["--peers"]);
  if (o.kind !== "peers") throw new Error("not peers");
  assertEquals(o.settleS, 45);
  const none = parseOptions(["--peers", "--settle", "0"]);
  if (none.kind !== "peers") throw new Error("not peers");
  assertEquals(none.settleS, 0);
  assertThrows(
    () => parseOptions(["--peers", "--settle=-1"]),
    Error,
    `--settle must be a number >= 0, got "-1"`,
  );
});

Deno.test("parseOptions() --peers --quick shortens windows, rounds and the footprint; flags still win", () => {
  const o = parseOptions(["--peers", "--quick", "--window", "6", "--only", "raw,kv", "--no-pin"]);
  if (o.kind !== "peers") throw new Error("not peers");
  assertEquals([o.quick, o.warmupS, o.windowS, o.rounds, o.footprintStations], [true, 1, 6, 1, 2000]);
  assertEquals([o.targets, o.pin], [["raw", "kv"], false]);
});

Deno.test("parseOptions() names the flag and quotes the value it refuses", () => {
  assertThrows(
    () => parseOptions(["--stations", "many"]),
    Error,
    `--stations must be an integer >= 1, got "many"`,
  );
  assertThrows(
    () => parseOptions(["--store", "mysql"]),
    Error,
    `--store must be kv or postgres, got "mysql"`,
  );
  assertThrows(() => parseOptions(["--interval", "0"]), Error, `--interval must be a number > 0, got "0"`);
  assertThrows(() => parseOptions(["--env", "NOEQUALS"]), Error, `--env takes KEY=VALUE, got "NOEQUALS"`);
  assertThrows(() => parseOptions(["--peers", "--only", "nginx"]), Error, `got "nginx"`);
  assertThrows(() => parseOptions(["--peers", "--rates", "2000,fast"]), Error, `--rates must be an integer`);
  assertThrows(() => parseOptions(["--frobnicate"]), TypeError);
});

Deno.test("parseOptions() collects --env settings for our server", () => {
  const o = parseOptions(["--env", "FRAME_LOG_SIZE=0", "--env", "LOG_LEVEL=warn=x"]);
  assertEquals(o.serverEnv, { FRAME_LOG_SIZE: "0", LOG_LEVEL: "warn=x" });
});
