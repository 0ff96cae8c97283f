import { assertEquals } from "@std/assert";
import { Hono } from "hono";
import { createMemoryLogger } from "../logger.ts";
import { HandshakeLog } from "../security/handshake_log.ts";
import { RefusalThrottle } from "../security/refusal_throttle.ts";
import { refuseHandshake } from "./handshake_refusal.ts";

Deno.test("refuseHandshake() logs the suppressed count of a source the throttle forgot to make room", async () => {
  const logger = createMemoryLogger();
  const deps = {
    logger,
    handshakes: new HandshakeLog(),
    refusals: new RefusalThrottle({ burst: 1, perSecond: 0, maxSources: 2 }),
    now: () => new Date(0),
  };
  const app = new Hono().get("/ocpp/:id", (c) =>
    refuseHandshake(c, deps, {
      chargePointId: c.req.param("id"),
      remoteAddress: c.req.header("x-from")!,
      status: 400,
      reason: "not a WebSocket upgrade",
    }));
  const refuse = async (from: string) =>
    (await app.request("/ocpp/CP-1", { headers: { "x-from": from } })).status;
  // 10.0.0.1 spends its one refusal, then three more are suppressed (429).
  assertEquals([await refuse("10.0.0.1"), await refuse("10.0.0.1"), await refuse("10.0.0.1")], [
    400,
    429,
    429,
  ]);
  await refuse("10.0.0.1");
  // Two other sources push it out of the throttle's memory of two.
  assertEquals([await refuse("10.0.0.2"), await refuse("10.0.0.3")], [400, 400]);
  const summaries = logger.lines.filter((l) => l.msg === "handshake refusals throttled");
  assertEquals(summaries.map((l) => [l.source, l.suppressed, l.forgotten ?? false]), [
    ["10.0.0.1", 1, false],
    ["10.0.0.1", 2, true],
  ]);
});
