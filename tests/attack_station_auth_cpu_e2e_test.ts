/**
 * A station's Basic auth costs a key check (10,000 PBKDF2 rounds; an id without a key as much as one with),
 * and the back-off counts a source per charge point id: a source that never repeats an id was never held back.
 * Measured before the cap: 32 handshakes at a time from one address with ever new ids got about 400 key checks
 * a second, every one of them hashed, both cores busy. Now a source has STATION_AUTH_CHECKS_PER_SOURCE checks
 * at a time and a budget of failed checks (STATION_AUTH_FAILURE_BURST, refilled at STATION_AUTH_FAILURE_RATE
 * a second); past either, 429 with Retry-After before anything is hashed. Real WebSocket handshakes (ws) from
 * loopback addresses: 127.0.0.2 the attacker, 127.0.0.3 the real station.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { attempt, basic, connectSecureStation } from "./helpers/secure_station.ts";
import { closeStation } from "./helpers/station.ts";

const ATTACKER = "127.0.0.2";
const STATION = "127.0.0.3";
const KEY = "the-real-authorization-key-01";
const BURST = 10;
const RATE = 0.5;

/** Handshakes from `from` with ever new ids, `parallel` at a time, for `ms`: the statuses answered. */
async function rotatingIds(
  wsUrl: string,
  ms: number,
  headers: (id: string) => Record<string, string>,
  from: string,
) {
  const statuses: number[] = [];
  const retryAfters = new Set<string>();
  const end = performance.now() + ms;
  let n = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const id = `ROT-${n++}`;
      const a = await attempt(
        `${wsUrl}/${id}`,
        { localAddress: from, headers: headers(id) } as Record<string, unknown>,
      );
      if (a.open) {
        await a.close();
        statuses.push(101);
      } else {
        statuses.push(a.status);
        if (a.status === 429) retryAfters.add(String(a.headers["retry-after"]));
      }
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return { statuses, retryAfters };
}

Deno.test("Basic auth with ever new ids from one address gets a budget of key checks, the rest 429 unhashed", async () => {
  const server = await startApiServer({
    SECURITY_PROFILE: "1",
    STATION_AUTH_FAILURE_BURST: String(BURST),
    STATION_AUTH_FAILURE_RATE: String(RATE),
  });
  try {
    const set = await server.json("/api/v1/station-security/CP-REAL", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200);
    const started = performance.now();
    const flood = rotatingIds(server.wsUrl, 3000, (id) => basic(id, "guess-guess-guess-guess"), ATTACKER);
    // Meanwhile the real station connects from its own address and is served.
    const station = await connectSecureStation(server.wsUrl, "CP-REAL", {
      password: KEY,
      wsOpts: { localAddress: STATION },
    });
    try {
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
    } finally {
      await closeStation(station);
    }
    const { statuses, retryAfters } = await flood;
    const seconds = (performance.now() - started) / 1000;
    const hashed = statuses.filter((s) => s === 401).length;
    const limited = statuses.filter((s) => s === 429).length;
    assertEquals(hashed + limited, statuses.length);
    const allowed = BURST + Math.ceil(seconds * RATE);
    assert(hashed <= allowed, `${hashed} key checks in ${seconds.toFixed(1)} s (at most ${allowed})`);
    assert(limited > 0 && [...retryAfters].every((r) => Number(r) >= 1), `Retry-After: ${[...retryAfters]}`);
    // The right key from the attacker's address waits for the budget like any other check (a NAT's neighbour).
    const events = await server.json("/api/v1/security-events?kind=station_rate_limited");
    assert(events.body.items.length >= 1);
  } finally {
    await server.close();
  }
});

Deno.test("behind a trusted proxy the forwarded client's checks are capped, not the proxy's", async () => {
  const server = await startApiServer({
    SECURITY_PROFILE: "1",
    TRUSTED_PROXIES: "127.0.0.1",
    STATION_AUTH_FAILURE_BURST: String(BURST),
    STATION_AUTH_FAILURE_RATE: String(RATE),
  });
  try {
    await server.json("/api/v1/station-security/CP-REAL", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const { statuses } = await rotatingIds(
      server.wsUrl,
      2000,
      (id) => ({ ...basic(id, "guess-guess-guess-guess"), "x-forwarded-for": "203.0.113.7" }),
      "127.0.0.1",
    );
    assert(statuses.filter((s) => s === 401).length <= BURST + 2, JSON.stringify(statuses.slice(0, 40)));
    assert(statuses.includes(429));
    // Another client through the same proxy still gets its key checked.
    const other = await attempt(`${server.wsUrl}/CP-REAL`, {
      headers: { ...basic("CP-REAL", KEY), "x-forwarded-for": "203.0.113.8" },
    });
    assert(other.open, JSON.stringify(other.open ? null : other.status));
    await other.close();
  } finally {
    await server.close();
  }
});

Deno.test("a reconnect storm of 200 stations with their right keys from one address all get in (they wait their turn)", async () => {
  // The cap on checks at once must not refuse a site behind one NAT reconnecting after a restart: a handshake
  // that finds its source's checks all running waits for one (161 of 200 were refused 429 before).
  const server = await startApiServer({ SECURITY_PROFILE: "1", STATION_AUTH_CHECKS_PER_SOURCE: "4" });
  try {
    const keys: string[] = [];
    for (let i = 0; i < 200; i++) {
      const made = await server.json(`/api/v1/station-security/CP-STORM-${i}/authorization-key`, {
        method: "POST",
      });
      keys.push(made.body.authorizationKey as string);
    }
    const statuses = await Promise.all(keys.map(async (key, i) => {
      const a = await attempt(`${server.wsUrl}/CP-STORM-${i}`, {
        headers: basic(`CP-STORM-${i}`, key),
        localAddress: "127.0.0.5",
      } as Record<string, unknown>);
      if (!a.open) return a.status;
      await a.close();
      return 101;
    }));
    assertEquals(statuses.filter((s) => s !== 101), []);
  } finally {
    await server.close();
  }
});
