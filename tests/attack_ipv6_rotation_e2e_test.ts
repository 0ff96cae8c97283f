/**
 * An attacker holding an IPv6 /48 (a customer's usual allocation) rotating through its 65,536 /64s, each of
 * which has a budget of its own: bad handshakes (the refused-handshake throttle), failed station auths (the
 * security event log's source budget) and password guesses (the login back-off). The /48's budget
 * (PREFIX_48_SHARE /64s' worth) caps each; another /48 and IPv4 sources keep theirs.
 *
 * This machine's loopback holds ::1 alone (adding addresses takes root and changes the host), so the attacker's
 * addresses reach the server as a trusted proxy's X-Forwarded-For over real sockets: the address the server
 * computes for each handshake, as behind nginx.
 */
import { assert, assertEquals } from "@std/assert";
import type { SecurityEvent } from "../store/security_events.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { attempt, basic } from "./helpers/secure_station.ts";
import { startTestServer } from "./helpers/server.ts";

/** The attacker's /48, one address in each of its /64s. */
const attacker = (net: number) => `2001:db8:77:${net.toString(16)}::1`;

async function handshake(
  url: string,
  from: string,
  headers: Record<string, string> = {},
  protocols?: string[],
) {
  const a = await attempt(url, { headers: { "x-forwarded-for": from, ...headers } }, protocols);
  if (!a.open) return a.status;
  await a.close();
  return 101;
}

Deno.test("bad handshakes from 200 /64s of one /48 are heard 32 times (16 /64s' budget), then answered 429", async () => {
  const server = await startTestServer({
    TRUSTED_PROXIES: "127.0.0.1",
    HANDSHAKE_REFUSAL_BURST: "2",
    HANDSHAKE_REFUSAL_RATE: "0",
  });
  try {
    const bad = (from: string, id: string) => handshake(`${server.wsUrl}/${id}`, from, {}, ["not-ocpp"]);
    const statuses: number[] = [];
    for (let net = 0; net < 200; net++) statuses.push(await bad(attacker(net), `CP-${net}`));
    assertEquals(statuses.filter((s) => s === 400).length, 32, JSON.stringify(statuses));
    assertEquals(
      statuses.slice(32).every((s) => s === 429),
      true,
      "past the /48's budget, cheap refusals are 429",
    );
    const heard = server.logs.filter((l) =>
      l.msg === "handshake refused" && String(l.remoteAddress).startsWith("2001:db8:77:")
    );
    assertEquals(heard.length, 32);
    const summaries = server.logs.filter((l) => l.msg === "handshake refusals throttled");
    assertEquals(summaries.map((l) => l.source), ["2001:db8:77::/48"]);
    // Another /48, and IPv4 sources however close together, keep their own budgets.
    assertEquals(await bad("2001:db8:78::1", "CP-ELSE"), 400);
    for (let i = 1; i <= 40; i++) {
      assertEquals([await bad(`10.0.0.${i}`, "CP-V4"), await bad(`10.0.0.${i}`, "CP-V4")], [400, 400]);
    }
    assertEquals(await bad("10.0.0.1", "CP-V4"), 429, "an IPv4 address alone is over its burst of 2");
  } finally {
    await server.close();
  }
});

Deno.test("failed station auths from 200 /64s of one /48: all answered 401, 32 kept as events, the rest counted", async () => {
  const server = await startApiServer({
    TRUSTED_PROXIES: "127.0.0.1",
    SECURITY_PROFILE: "1",
    SECURITY_EVENT_SOURCE_BURST: "2",
    SECURITY_EVENT_SOURCE_RATE: "0",
    // Every refusal is heard as itself: this test is about the event log's budget.
    HANDSHAKE_REFUSAL_BURST: "100000",
  });
  try {
    const statuses: number[] = [];
    for (let round = 0; round < 20; round++) {
      statuses.push(
        ...await Promise.all(Array.from({ length: 10 }, (_, i) => {
          const net = round * 10 + i;
          const id = `CP-GUESS-${net}`;
          return handshake(`${server.wsUrl}/${id}`, attacker(net), basic(id, "a-guessed-key-0000"));
        })),
      );
    }
    // The answers are what they were: the budget only spares the log.
    assert(statuses.every((s) => s === 401), JSON.stringify(statuses));
    assertEquals(
      await handshake(`${server.wsUrl}/CP-ELSE`, "2001:db8:78::1", basic("CP-ELSE", "wrong-key-000000")),
      401,
    );
    const page = await server.json("/api/v1/security-events?kind=station_auth_failed&limit=500", {
      as: "operator",
    });
    const failed = page.body.items as SecurityEvent[];
    assertEquals(failed.filter((e) => e.remoteAddress?.startsWith("2001:db8:77:")).length, 32);
    assertEquals(failed.filter((e) => e.remoteAddress === "2001:db8:78::1").length, 1);
    const summaries = await server.json("/api/v1/security-events?kind=source_events_suppressed", {
      as: "operator",
    });
    assertEquals(
      summaries.body.items.map((e: SecurityEvent) => [e.remoteAddress, e.reason.split(" ")[0]]),
      [["2001:db8:77::/48", "1"]],
      "told at once, named by its /48",
    );
  } finally {
    await server.close();
  }
});

Deno.test("password guesses for one user from 40 /64s of one /48: 16 free failures in all, then 429", async () => {
  const server = await startApiServer({ TRUSTED_PROXIES: "127.0.0.1", AUTH_FREE_FAILURES: "1" });
  try {
    const login = async (from: string, password: string) => {
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": from },
        body: JSON.stringify({ username: ADMIN.username, password }),
      });
      await res.body?.cancel();
      return res.status;
    };
    const statuses: number[] = [];
    for (let net = 0; net < 40; net++) statuses.push(await login(attacker(net), "guess-number-1"));
    // 16 free failures of the /48 and the one that starts its wait.
    assertEquals(statuses.filter((s) => s === 401).length, 17, JSON.stringify(statuses));
    assertEquals(statuses.slice(17).every((s) => s === 429), true);
    // The right password from another /48 and from IPv4 addresses is let in; wrong ones there are 401.
    assertEquals(await login("2001:db8:78::1", ADMIN.password), 200);
    for (let i = 1; i <= 3; i++) assertEquals(await login(`10.0.0.${i}`, "guess-number-1"), 401);
    assertEquals(await login("10.0.0.9", ADMIN.password), 200);
    const limited = await server.json("/api/v1/security-events?kind=login_rate_limited", { as: "operator" });
    assertEquals(limited.body.items.length, 1, "one event for the /48's wait, not one per /64");
  } finally {
    await server.close();
  }
});
