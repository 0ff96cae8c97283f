import { assertEquals, assertThrows } from "@std/assert";
import { parseVariant, windowCpuText } from "./transport_cost.ts";

Deno.test("parseVariant() reads a name, a checkout and settings", () => {
  assertEquals(parseVariant("base@/work/base:HTTP_SERVER=node,FRAME_LOG_SIZE=0"), {
    name: "base",
    root: "/work/base",
    env: { HTTP_SERVER: "node", FRAME_LOG_SIZE: "0" },
  });
  assertEquals(parseVariant("ocpp-rpc"), { name: "ocpp-rpc", root: undefined, env: {} });
});

Deno.test("parseVariant() keeps V8's comma-separated flags in one value", () => {
  assertEquals(
    parseVariant("gc:DENO_V8_FLAGS=--trace-gc-nvp,--max-semi-space-size=64,BENCH_ECHO_STDOUT=1").env,
    { DENO_V8_FLAGS: "--trace-gc-nvp,--max-semi-space-size=64", BENCH_ECHO_STDOUT: "1" },
  );
});

Deno.test("parseVariant() refuses a setting without a value", () => {
  assertThrows(() => parseVariant("x:FRAME_LOG_SIZE"), Error, "KEY=VALUE");
  assertThrows(() => parseVariant(":A=1"), Error, "needs a name");
});

Deno.test("windowCpuText() names the database's share only when there is one", () => {
  const kv = { serverPct: 98.6, waitPct: 40.2, generatorPct: 45, postgresUs: null };
  assertEquals(windowCpuText(kv), "server 98.6% of a core, waited for it 40.2%, generators 45%");
  assertEquals(
    windowCpuText({ ...kv, postgresUs: 27.4 }),
    "server 98.6% of a core, waited for it 40.2%, generators 45%, PostgreSQL 27.4 µs per message",
  );
});
