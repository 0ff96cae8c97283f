/**
 * SECURITY_EVENT_KEEP and SECURITY_EVENT_KEEP_DAYS in the server's store opener: the security event log of
 * either store keeps at most that many events, none older than that many days before the newest.
 */
import { assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../tests/helpers/postgres.ts";
import { openStores } from "./open.ts";
import { type SecurityEvent, securityEventId } from "./security_events.ts";

const NEWEST = Date.parse("2026-12-02T10:00:00.000Z");

function event(atMs: number, sequence: number): SecurityEvent {
  const at = new Date(atMs);
  return {
    id: securityEventId(at, sequence),
    at: at.toISOString(),
    kind: "login_failed",
    chargePointId: null,
    principal: null,
    remoteAddress: "203.0.113.9",
    reason: `try ${sequence}`,
    status: 401,
  };
}

async function keptAfterAppending(env: Record<string, string>): Promise<SecurityEvent[]> {
  const stores = await openStores(
    parseConfig({ ...env, SECURITY_EVENT_KEEP: "1000", SECURITY_EVENT_KEEP_DAYS: "2" }),
    createMemoryLogger(),
  );
  try {
    const log = stores.stationSecurity;
    // One three days older than the newest: pruned for its age.
    await log.appendSecurityEvents([event(NEWEST - 3 * 86_400_000, 0), event(NEWEST - 5000, 1)]);
    assertEquals((await log.listSecurityEvents({ limit: 10 })).map((e) => e.reason), ["try 1"]);
    // 1,200 more: the oldest pruned past 1,000.
    const events = [];
    for (let i = 2; i <= 1201; i++) events.push(event(NEWEST - 1201 + i, i));
    await log.appendSecurityEvents(events);
    return await log.listSecurityEvents({ limit: 5000 });
  } finally {
    await stores.close();
  }
}

Deno.test("SECURITY_EVENT_KEEP(_DAYS) bound the security event log on KV", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kept = await keptAfterAppending({ KV_PATH: `${dir}/csms.kv` });
    assertEquals(kept.length, 1000);
    assertEquals(kept.at(-1)!.reason, "try 202", "the oldest went first");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "SECURITY_EVENT_KEEP(_DAYS) bound the security event log on PostgreSQL",
  ignore: await ignoreWithoutPostgres("security event retention on PostgreSQL"),
  async fn() {
    const db = await migratedDatabase();
    try {
      const kept = await keptAfterAppending({ DATABASE_URL: db.url });
      assertEquals(kept.length, 1000);
      assertEquals(kept.at(-1)!.reason, "try 202", "the oldest went first");
    } finally {
      await db.drop();
    }
  },
});

Deno.test("parseConfig() keeps 100,000 security events for 90 days unless told, and refuses a bound too small", () => {
  const config = parseConfig({});
  assertEquals([config.SECURITY_EVENT_KEEP, config.SECURITY_EVENT_KEEP_DAYS], [100_000, 90]);
  let error = "";
  try {
    parseConfig({ SECURITY_EVENT_KEEP: "10" });
  } catch (e) {
    error = (e as Error).message;
  }
  assertEquals(error.startsWith("Invalid settings: SECURITY_EVENT_KEEP"), true, error);
});
