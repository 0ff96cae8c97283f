/**
 * Issue 10 item 1, as an attacker would try it: guessing a station's AuthorizationKey or an operator's
 * password from one address must not lock out the real station or operator at another address, nor a
 * neighbour at the attacker's own address; refusals no credential could change (allow-lists, TLS) are not
 * guesses; an IPv6 attacker cannot escape the back-off by rotating addresses within its /64. Real sockets from
 * real loopback source addresses (127.0.0.2, ...), IPv6 sources through a trusted proxy's X-Forwarded-For.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { attempt, basic, connectSecureStation } from "./helpers/secure_station.ts";
import { closeStation } from "./helpers/station.ts";

const KEY = "the-real-authorization-key-01";
const NEIGHBOUR_KEY = "the-neighbours-own-key-0002";

/** The HTTP status of one handshake from `localAddress` (101 when it opened; the socket is closed again). */
async function handshake(url: string, localAddress: string, headers: Record<string, string>) {
  const a = await attempt(url, { localAddress, headers } as Record<string, unknown>);
  if (a.open) {
    await a.close();
    return 101;
  }
  return a.status;
}

Deno.test("wrong keys from one address never lock out the real station elsewhere nor a neighbour at that address", async () => {
  const server = await startApiServer({ AUTH_FREE_FAILURES: "2", AUTH_BACKOFF_BASE_S: "60" });
  try {
    for (const [id, key] of [["CP-VICTIM", KEY], ["CP-NEIGHBOUR", NEIGHBOUR_KEY]]) {
      const set = await server.json(`/api/v1/station-security/${id}`, {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: key },
      });
      assertEquals(set.status, 200);
    }
    const victim = `${server.wsUrl}/CP-VICTIM`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(await handshake(victim, "127.0.0.2", basic("CP-VICTIM", `guess-number-${i}-guess`)));
    }
    assertEquals(statuses, [401, 401, 401, 429, 429, 429, 429, 429]);

    // The real station, from its own address, with the right key: served.
    const station = await connectSecureStation(server.wsUrl, "CP-VICTIM", { password: KEY });
    try {
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
    } finally {
      await closeStation(station);
    }
    // A neighbour behind the attacker's address, with its own id and key: served too.
    assertEquals(
      await handshake(`${server.wsUrl}/CP-NEIGHBOUR`, "127.0.0.2", basic("CP-NEIGHBOUR", NEIGHBOUR_KEY)),
      101,
    );
    // Only the guesser waits, whatever it sends meanwhile.
    assertEquals(await handshake(victim, "127.0.0.2", basic("CP-VICTIM", KEY)), 429);
    // The victim's own successes do not clear the attacker's back-off either.
    assertEquals(await handshake(victim, "127.0.0.1", basic("CP-VICTIM", KEY)), 101);
    assertEquals(await handshake(victim, "127.0.0.2", basic("CP-VICTIM", "guess-again-guess-again")), 429);
  } finally {
    await server.close();
  }
});

Deno.test("allow-list and TLS refusals are not guesses: after many of them the right key still gets in at once", async () => {
  const server = await startApiServer({
    AUTH_FREE_FAILURES: "1",
    AUTH_BACKOFF_BASE_S: "60",
    TRUSTED_PROXIES: "127.0.0.1",
  });
  try {
    await server.json("/api/v1/station-security/CP-FENCED", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY, allowedIps: ["10.0.0.0/8"] },
    });
    await server.json("/api/v1/station-security/CP-TLS", {
      method: "PATCH",
      body: { securityProfile: 2, authorizationKey: KEY },
    });
    for (let i = 0; i < 6; i++) {
      // Outside the allow-list, with a wrong key: refused for the address, never counted.
      assertEquals(
        await handshake(`${server.wsUrl}/CP-FENCED`, "127.0.0.1", basic("CP-FENCED", "x".repeat(20))),
        403,
      );
      // Profile 2 over plain ws: refused for the missing TLS, never counted.
      assertEquals(
        await handshake(`${server.wsUrl}/CP-TLS`, "127.0.0.1", basic("CP-TLS", "y".repeat(20))),
        403,
      );
    }
    await server.json("/api/v1/station-security/CP-FENCED", {
      method: "PATCH",
      body: { allowedIps: ["127.0.0.0/8"] },
    });
    assertEquals(await handshake(`${server.wsUrl}/CP-FENCED`, "127.0.0.1", basic("CP-FENCED", KEY)), 101);
    const overTls = { ...basic("CP-TLS", KEY), "x-forwarded-proto": "https" };
    assertEquals(await handshake(`${server.wsUrl}/CP-TLS`, "127.0.0.1", overTls), 101);
    const limited = await server.json("/api/v1/security-events?kind=station_rate_limited");
    assertEquals(limited.body.items.length, 0);
  } finally {
    await server.close();
  }
});

Deno.test("an IPv6 guesser cannot escape the back-off by rotating addresses within its /64", async () => {
  const server = await startApiServer({
    AUTH_FREE_FAILURES: "2",
    AUTH_BACKOFF_BASE_S: "60",
    TRUSTED_PROXIES: "127.0.0.1",
  });
  try {
    await server.json("/api/v1/station-security/CP-V6", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const from = (address: string, key: string) =>
      handshake(`${server.wsUrl}/CP-V6`, "127.0.0.1", { ...basic("CP-V6", key), "x-forwarded-for": address });
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) {
      statuses.push(await from(`2001:db8:aa:bb::${i.toString(16)}`, `guess-${i}-guess-guess`));
    }
    assertEquals(statuses, [401, 401, 401, 429, 429, 429]);
    // Any other address of the same /64 waits too; another /64 (the real station's) does not.
    assertEquals(await from("2001:db8:aa:bb:ffff:ffff:ffff:fffe", KEY), 429);
    assertEquals(await from("2001:db8:aa:bc::1", KEY), 101);
  } finally {
    await server.close();
  }
});

Deno.test("wrong passwords for an operator from one address never refuse the right password from another", async () => {
  const server = await startApiServer({ AUTH_FREE_FAILURES: "3", AUTH_BACKOFF_BASE_S: "60" });
  const clients = ["127.0.0.2", "127.0.0.3"].map((localAddress) => Deno.createHttpClient({ localAddress }));
  const [attacker, operator] = clients as [Deno.HttpClient, Deno.HttpClient];
  const login = async (client: Deno.HttpClient, password: string) => {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      client,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "root", password }),
    });
    await res.body?.cancel();
    return res.status;
  };
  try {
    const statuses: number[] = [];
    // More than the old per-username lockout (10 failures from anywhere locked the account for minutes).
    for (let i = 0; i < 12; i++) statuses.push(await login(attacker, `wrong-password-${i}`));
    assertEquals(statuses.slice(0, 4), [401, 401, 401, 401]);
    assert(statuses.slice(4).every((s) => s === 429), JSON.stringify(statuses));
    assertEquals(await login(operator, "root-password-1"), 200);
    assertEquals(await login(attacker, "root-password-1"), 429, "the guesser itself waits");
  } finally {
    for (const client of clients) client.close();
    await server.close();
  }
});
