import { assertEquals } from "@std/assert";
import { Hono } from "hono";
import { EventBus } from "../actors/events.ts";
import { FrameLog } from "../actors/frame_log.ts";
import { SETTINGS } from "../actors/handlers/fakes.ts";
import { Registry } from "../actors/registry.ts";
import { createMemoryLogger } from "../logger.ts";
import { HandshakeLog } from "../security/handshake_log.ts";
import { RefusalThrottle } from "../security/refusal_throttle.ts";
import type { StationGate } from "../security/station_gate.ts";
import { openKvStore } from "../store/kv/mod.ts";
import { createOcppUpgradeHandler, type UpgradingSocket } from "./ocpp.ts";

/** A socket that never opens: the route's part ends when it hands the socket over. */
function idleSocket(): UpgradingSocket {
  return {
    readyState: 0,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send() {},
    close() {},
    addEventListener() {},
  };
}

Deno.test("/ocpp: a security check that throws gives its connection slot back", async () => {
  const store = await openKvStore(":memory:");
  const logger = createMemoryLogger();
  const registry = new Registry({
    store,
    logger,
    events: new EventBus(),
    frames: new FrameLog(0, 0),
    now: () => new Date(),
    newMessageId: () => crypto.randomUUID(),
    vendors: {},
    settings: SETTINGS,
  }, { sweepIntervalMs: 1000 });
  let failing = true;
  const gate = {
    client: (_request: Request, address: string) => ({ address, secure: false }),
    check: () =>
      failing ? Promise.reject(new Error("injected")) : Promise.resolve({ ok: true, client: {}, profile: 0 }),
  } as unknown as StationGate;
  const app = new Hono();
  app.onError((_error, c) => c.json({ error: "internal" }, 500));
  app.get(
    "/ocpp/:id",
    createOcppUpgradeHandler({
      registry,
      logger,
      handshakes: new HandshakeLog(),
      allowMissingSubprotocol: false,
      maxConnections: 1,
      pingIntervalS: 0,
      now: () => new Date(),
      gate,
      refusals: new RefusalThrottle({ burst: 100, perSecond: 100 }),
      upgrader: { upgrade: () => ({ socket: idleSocket(), response: new Response(null, { status: 101 }) }) },
    }),
  );
  const upgrade = (id: string) =>
    app.request(`/ocpp/${id}`, {
      headers: {
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-protocol": "ocpp1.6",
      },
    });
  try {
    for (let i = 0; i < 3; i++) assertEquals((await upgrade(`CP-${i}`)).status, 500);
    failing = false;
    // The one slot is free: none of the failed checks kept it.
    assertEquals((await upgrade("CP-OK")).status, 101);
    assertEquals((await upgrade("CP-NEXT")).status, 503);
  } finally {
    await registry.shutdown();
    await store.close();
  }
});
