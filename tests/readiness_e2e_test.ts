/**
 * `GET /readyz` over real HTTP, as a load balancer calls it (no login): a status and a short reason code, never
 * the store's error text, which can name the database's host, its URL or a file's path. The detail stays for
 * those who may read it: the admin's server warnings and the server's log.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { KvStore, openKvHandle } from "../store/kv/mod.ts";
import type { Store } from "../store/mod.ts";
import { WriteHealth } from "../store/write_health.ts";
import { startApiServer } from "./helpers/api.ts";

/** What a store's error can say about where it lives (postgres.js names the host and port it could not reach). */
const SECRET_HOST = "db-primary.internal.example";
const READ_ERROR = `connect ECONNREFUSED ${SECRET_HOST}:5432`;
const WRITE_ERROR =
  'could not extend file "/var/lib/postgresql/16/main/base/16384/2619": No space left on device';

/** `store` whose reads of the station list fail while `failing.reads` is set. */
function withFailingReads(store: Store, failing: { reads: boolean }): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "listChargePoints") {
        return (...args: unknown[]) =>
          failing.reads ? Promise.reject(new Error(READ_ERROR)) : value.apply(target, args);
      }
      return value.bind(target);
    },
  });
}

Deno.test("/readyz tells an anonymous caller why it is not ready by a reason code, never the store's error text", async () => {
  const logger = createMemoryLogger();
  const kv = new KvStore(await openKvHandle(":memory:"));
  const failing = { reads: false };
  const writeHealth = new WriteHealth(logger, {
    refusesEveryWrite: (e) => String(e).includes("No space left"),
    // A stored commit ends the episode at once here (the server waits 1 s without a refusal).
    settleMs: 0,
  });
  const server = await startApiServer({}, { store: withFailingReads(kv, failing), writeHealth, logger });
  try {
    const ready = await fetch(`${server.url}/readyz`);
    assertEquals([ready.status, await ready.json()], [200, { status: "ready" }]);

    // Reads fail, naming the database's host.
    failing.reads = true;
    const unreachable = await fetch(`${server.url}/readyz`);
    const unreachableText = await unreachable.text();
    assertEquals(unreachable.status, 503);
    assertEquals(JSON.parse(unreachableText).status, "unavailable");
    assertEquals(JSON.parse(unreachableText).reason, "store_unreachable");
    assertEquals(unreachableText.includes(SECRET_HOST), false, unreachableText);
    // The server's log has it, once for the streak of failed checks however often the balancer asks.
    await (await fetch(`${server.url}/readyz`)).body?.cancel();
    const logged = logger.lines.filter((l) => String(l.error ?? "").includes(SECRET_HOST));
    assertEquals(logged.map((l) => [l.level, l.msg]), [["warn", "readiness check cannot read the store"]]);
    failing.reads = false;

    // Every write refused, naming a file of the database.
    writeHealth.observe({ size: 2, failed: 2, error: new Error(WRITE_ERROR) });
    const refusing = await fetch(`${server.url}/readyz`);
    const refusingText = await refusing.text();
    assertEquals(refusing.status, 503);
    assertEquals(JSON.parse(refusingText).reason, "store_writes_failing");
    assertEquals(refusingText.includes("/var/lib"), false, refusingText);
    // An admin still reads the detail.
    const warnings = await server.json("/api/v1/server-warnings");
    assertEquals(warnings.status, 200);
    assertStringIncludes(JSON.stringify(warnings.body), "No space left on device");

    writeHealth.observe({ size: 1, failed: 0 });
    const back = await fetch(`${server.url}/readyz`);
    assertEquals([back.status, await back.json()], [200, { status: "ready" }]);
  } finally {
    await server.close();
    await kv.close();
  }
});
