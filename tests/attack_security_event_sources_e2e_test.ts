/**
 * An attacker flooding the security event log with our own events: guessing keys for ever new station ids
 * (each id's back-off starts afresh, so every guess is answered 401 and was a `station_auth_failed` event) and
 * failing logins under ever new usernames. Past SECURITY_EVENT_SOURCE_BURST the source's events are counted,
 * not kept one by one, and `source_events_suppressed` events say how many; other sources keep their budget.
 */
import { assert, assertEquals } from "@std/assert";
import { openKvStationSecurityStore } from "../store/kv/station_security.ts";
import type { SecurityEvent } from "../store/security_events.ts";
import { startApiServer } from "./helpers/api.ts";
import { attempt, basic } from "./helpers/secure_station.ts";

async function refusedFrom(
  url: string,
  localAddress: string,
  headers: Record<string, string>,
): Promise<number> {
  const a = await attempt(url, { localAddress, headers } as Record<string, unknown>);
  if (a.open) {
    await a.close();
    return 101;
  }
  return a.status;
}

function suppressed(events: SecurityEvent[], source: string): number {
  return events
    .filter((e) => e.kind === "source_events_suppressed" && e.remoteAddress === source)
    .reduce((sum, e) => sum + Number(/^(\d+) security events/.exec(e.reason)?.[1] ?? NaN), 0);
}

Deno.test("key guesses for 200 new ids and 30 failed logins: each source keeps 20 events, the rest are counted", async () => {
  const stationSecurity = await openKvStationSecurityStore(":memory:");
  try {
    const server = await startApiServer({
      SECURITY_PROFILE: "1",
      SECURITY_EVENT_SOURCE_BURST: "20",
      SECURITY_EVENT_SOURCE_RATE: "0",
      PING_INTERVAL_S: "0",
      // The key-check cap per source would answer most guesses 429 before any event (its own test:
      // attack_station_auth_cpu_e2e_test.ts); here every guess is checked, to flood the log.
      STATION_AUTH_CHECKS_PER_SOURCE: "10",
      STATION_AUTH_FAILURE_BURST: "1000",
    }, { stationSecurity });
    try {
      const statuses: number[] = [];
      for (let round = 0; round < 20; round++) {
        statuses.push(
          ...await Promise.all(Array.from({ length: 10 }, (_, i) => {
            const id = `CP-GUESS-${round * 10 + i}`;
            return refusedFrom(`${server.wsUrl}/${id}`, "127.0.0.3", basic(id, "a-guessed-key-0000"));
          })),
        );
      }
      // The answers are what they were: the budget only spares the log.
      assert(statuses.every((s) => s === 401), JSON.stringify(statuses));
      // Another source's failure is kept.
      assertEquals(
        await refusedFrom(`${server.wsUrl}/CP-ELSE`, "127.0.0.4", basic("CP-ELSE", "wrong-key-000000")),
        401,
      );
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${server.url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: `nobody-${i}`, password: "not-the-password" }),
        });
        await res.body?.cancel();
        assertEquals(res.status, 401);
      }
      const page = await server.json("/api/v1/security-events?kind=station_auth_failed&limit=500", {
        as: "operator",
      });
      const failed = page.body.items as SecurityEvent[];
      assertEquals(failed.filter((e) => e.remoteAddress === "127.0.0.3").length, 20);
      assertEquals(failed.filter((e) => e.remoteAddress === "127.0.0.4").length, 1);
      const summaries = await server.json("/api/v1/security-events?kind=source_events_suppressed", {
        as: "operator",
      });
      assert(summaries.body.items.length >= 2, "each flooding source is told at once, not at the end");
    } finally {
      await server.close();
    }
    // At shutdown the counts not told yet are: every suppressed event is counted once.
    const events = await stationSecurity.listSecurityEvents({ limit: 1000 });
    assertEquals(suppressed(events, "127.0.0.3"), 180);
    assertEquals(suppressed(events, "127.0.0.1"), 10);
    assertEquals(events.filter((e) => e.kind === "login_failed").length, 20);
    assert(events.length < 100, `${events.length} events kept`);
  } finally {
    await stationSecurity.close();
  }
});
