/**
 * PostgresStationSecurityStore against the StationSecurityStore contract, each case on a fresh database,
 * dropped afterwards. With `CI=true` the tests always run; elsewhere they are ignored, with a one-line reason,
 * when no server answers.
 */
import { assertEquals, assertLess, assertRejects } from "@std/assert";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { tcpProxy } from "../../tests/helpers/tcp_proxy.ts";
import { StoreUnavailableError } from "../mod.ts";
import { stationSecurityContract } from "../contract/station_security.ts";
import { openPostgresStationSecurityStore } from "./station_security.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL station security store tests");

stationSecurityContract("postgres", async (retention) => {
  const db = await migratedDatabase("csms_secu_test");
  try {
    return {
      store: await openPostgresStationSecurityStore(db.url, retention ? { retention } : {}),
      cleanup: db.drop,
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });

Deno.test({
  name: "security event and settings calls over a connection that stops answering reject in bounded time",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("csms_secu_frozen");
    const proxy = tcpProxy(new URL(db.url));
    const store = await openPostgresStationSecurityStore(proxy.url(db.url), {
      maxConnections: 1,
      callTimeoutMs: 800,
    });
    const event = {
      id: "0000000000001-0000",
      at: new Date().toISOString(),
      kind: "station_event" as const,
      chargePointId: "CP-1",
      principal: null,
      remoteAddress: null,
      reason: "FirmwareUpdated",
      status: null,
      messageId: "m-1",
    };
    const message = { chargePointId: "CP-1", messageId: "m-1", kind: event.kind, reason: event.reason };
    try {
      assertEquals(await store.hasSecurityEventOf(message), false);
      proxy.freeze();
      for (
        const call of [
          () => store.hasSecurityEventOf(message),
          () => store.appendSecurityEvents([event]),
          () => store.listSecurityEvents({ limit: 5 }),
          // The settings' calls (operators' routes) too.
          () => store.list(),
          () => store.delete("CP-1"),
        ]
      ) {
        const started = performance.now();
        await assertRejects(call, StoreUnavailableError, "no answer");
        assertLess(performance.now() - started, 2000);
      }
    } finally {
      await proxy.close();
      await store.close();
      await db.drop();
    }
  },
});
