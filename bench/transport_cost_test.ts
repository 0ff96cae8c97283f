import { assertEquals, assertThrows } from "@std/assert";
import { parseVariant } from "./transport_cost.ts";

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
