/**
 * Station security end to end: profiles 1-3 on the /ocpp upgrade, allow-lists behind a trusted proxy, the
 * auth back-off (429), the operator API for the settings and the security events (durable: they survive a
 * restart and are shared by the servers on one store), and no secret in any log. Stations are npm `ocpp-rpc`
 * clients in strict mode; refusals are checked on raw handshakes.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { openPostgresStationSecurityStore } from "../store/postgres/station_security.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { attempt, basic, connectSecureStation } from "./helpers/secure_station.ts";
import { eventually, startTestServer } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { hasCommand, makePki } from "./helpers/tls.ts";

const KEY = "s3cret-Authorization-Key-0001";
const OTHER_KEY = "another-key-with-16+chars";

Deno.test("profile 1: Basic auth with the AuthorizationKey, 401 with WWW-Authenticate otherwise, key never shown", async () => {
  const server = await startApiServer();
  try {
    const set = await server.json("/api/v1/station-security/CP-P1", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200);
    assertEquals(set.body.effectiveProfile, 1);
    assertEquals(set.body.hasAuthorizationKey, true);
    assert(!JSON.stringify(set.body).includes(KEY));

    const url = `${server.wsUrl}/CP-P1`;
    const none = await attempt(url);
    assert(!none.open);
    assertEquals(none.status, 401);
    assertStringIncludes(String(none.headers["www-authenticate"]), "Basic");
    const wrong = await attempt(url, { headers: basic("CP-P1", OTHER_KEY) });
    assertEquals(wrong.open ? 0 : wrong.status, 401);
    const otherUser = await attempt(url, { headers: basic("CP-X", KEY) });
    assertEquals(otherUser.open ? 0 : otherUser.status, 401);
    const garbage = await attempt(url, { headers: { authorization: "Basic !!!" } });
    assertEquals(garbage.open ? 0 : garbage.status, 401);

    const station = await connectSecureStation(server.wsUrl, "CP-P1", { password: KEY });
    try {
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
    } finally {
      await closeStation(station);
    }
    // A station without settings is still profile 0 (SECURITY_PROFILE defaults to 0).
    const open = await connectSecureStation(server.wsUrl, "CP-OPEN");
    await closeStation(open);

    const events = await server.json("/api/v1/security-events?kind=station_auth_failed", { as: "operator" });
    assertEquals(events.status, 200);
    assertEquals(events.body.items.length, 4);
    assert(events.body.items.every((e: { chargePointId: string }) => e.chargePointId === "CP-P1"));
    assertEquals((await server.json("/api/v1/security-events", { as: "viewer" })).status, 403);
    assertEquals((await server.json("/api/v1/station-security/CP-P1", { as: "operator" })).status, 403);

    // Secrets never reach the logs: not the key, not the Authorization header, not its base64.
    const text = JSON.stringify(server.logs);
    for (const secret of [KEY, OTHER_KEY, btoa(`CP-P1:${KEY}`), btoa(`CP-P1:${OTHER_KEY}`)]) {
      assert(!text.includes(secret), `a log line holds ${secret}`);
    }
    assert(!text.toLowerCase().includes("basic y"), "a log line holds an Authorization header");
    assert(server.logs.some((l) => l.event === "security" && l.msg === "station_auth_failed"));
    assert(server.logs.some((l) => l.event === "security" && l.msg === "station_security_changed"));
  } finally {
    await server.close();
  }
});

Deno.test("a refused Basic auth tells nobody which stations have a key; an id holding ':' can log in", async () => {
  const server = await startApiServer({ SECURITY_PROFILE: "1" });
  try {
    for (const id of ["CP-KEYED", "A:B"]) {
      const set = await server.json(`/api/v1/station-security/${encodeURIComponent(id)}`, {
        method: "PATCH",
        body: { authorizationKey: KEY },
      });
      assertEquals(set.status, 200, JSON.stringify(set.body));
    }
    const body = async (id: string, password: string, user = id) => {
      const a = await attempt(`${server.wsUrl}/${encodeURIComponent(id)}`, {
        headers: basic(user, password),
      });
      if (a.open) {
        await a.close();
        return "opened";
      }
      return `${a.status} ${JSON.parse(a.body).message}`;
    };
    const wrongKey = await body("CP-KEYED", OTHER_KEY);
    assertEquals(wrongKey, "401 Wrong charge point id or AuthorizationKey");
    assertEquals(await body("CP-UNKEYED", OTHER_KEY), wrongKey);
    assertEquals(await body("CP-KEYED", KEY, "CP-OTHER"), wrongKey);
    // RFC 7617 user-ids cannot hold ':', charge point ids can: the expected id is matched whole.
    assertEquals(await body("A:B", KEY), "opened");
    // The operator's log still says which it was.
    const events = await server.json("/api/v1/security-events?kind=station_auth_failed", { as: "operator" });
    const reasons = events.body.items.map((e: { reason: string }) => e.reason);
    for (const reason of ["Wrong AuthorizationKey", "No AuthorizationKey is set for this station"]) {
      assert(reasons.includes(reason), JSON.stringify(reasons));
    }
  } finally {
    await server.close();
  }
});

Deno.test("a global SECURITY_PROFILE=1 refuses unknown stations, and the API manages keys and allow-lists", async () => {
  const server = await startApiServer({ SECURITY_PROFILE: "1" });
  try {
    assertEquals(
      (await attempt(`${server.wsUrl}/CP-NEW`, { headers: basic("CP-NEW", KEY) }) as { status: number })
        .status,
      401,
    );
    // Profile 1 without a key is refused by the API.
    const noKey = await server.json("/api/v1/station-security/CP-NEW", {
      method: "PATCH",
      body: { allowedIps: [] },
    });
    assertEquals(noKey.status, 400);
    assertEquals(noKey.body.details.field, "authorizationKey");
    const badIp = await server.json("/api/v1/station-security/CP-NEW", {
      method: "PATCH",
      body: { allowedIps: ["not-an-ip"] },
    });
    assertEquals(badIp.status, 400);
    const shortKey = await server.json("/api/v1/station-security/CP-NEW", {
      method: "PATCH",
      body: { authorizationKey: "short" },
    });
    assertEquals(shortKey.status, 400);

    const generated = await server.json("/api/v1/station-security/CP-NEW/authorization-key", {
      method: "POST",
    });
    assertEquals(generated.status, 200);
    const key = generated.body.authorizationKey as string;
    assertEquals(key.length, 40);
    const station = await connectSecureStation(server.wsUrl, "CP-NEW", { password: key });
    await closeStation(station);
    const read = await server.json("/api/v1/station-security/CP-NEW");
    assertEquals(read.body.hasAuthorizationKey, true);
    assertEquals(read.body.securityProfile, null);
    assertEquals(read.body.effectiveProfile, 1);
    assertEquals("authorizationKey" in read.body, false);

    // A per-station allow-list: 127.0.0.1 is not in it.
    await server.json("/api/v1/station-security/CP-NEW", {
      method: "PATCH",
      body: { allowedIps: ["10.0.0.0/8"] },
    });
    const refused = await attempt(`${server.wsUrl}/CP-NEW`, { headers: basic("CP-NEW", key) });
    assertEquals(refused.open ? 0 : refused.status, 403);
    await server.json("/api/v1/station-security/CP-NEW", {
      method: "PATCH",
      body: { allowedIps: ["127.0.0.0/8", "::1"] },
    });
    const allowed = await attempt(`${server.wsUrl}/CP-NEW`, { headers: basic("CP-NEW", key) });
    assert(allowed.open);
    await allowed.close();

    const list = await server.json("/api/v1/station-security");
    assertEquals(list.body.items.map((i: { chargePointId: string }) => i.chargePointId), ["CP-NEW"]);
    assertEquals((await server.json("/api/v1/station-security/CP-NEW", { method: "DELETE" })).status, 204);
    assertEquals((await server.json("/api/v1/station-security/CP-NEW", { method: "DELETE" })).status, 404);
    assertEquals((await server.json("/api/v1/station-security/CP-NEW")).body.configured, false);
    assert(!JSON.stringify(server.logs).includes(key));
  } finally {
    await server.close();
  }
});

Deno.test("failed station auth backs off per source and id with 429 and Retry-After, also for the right key", async () => {
  const server = await startApiServer({
    AUTH_FREE_FAILURES: "2",
    AUTH_BACKOFF_BASE_S: "1",
    AUTH_BACKOFF_MAX_S: "60",
  });
  try {
    await server.json("/api/v1/station-security/CP-BF", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const url = `${server.wsUrl}/CP-BF`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await attempt(url, { headers: basic("CP-BF", `wrong-key-number-${i}`) });
      statuses.push(a.open ? 101 : a.status);
    }
    assertEquals(statuses, [401, 401, 401]);
    const limited = await attempt(url, { headers: basic("CP-BF", KEY) });
    assert(!limited.open);
    assertEquals(limited.status, 429);
    assertEquals(limited.headers["retry-after"], "1");
    // Another station from the same address is not held back (the key is the source and the id together).
    const neighbour = await attempt(`${server.wsUrl}/CP-OTHER`);
    assert(neighbour.open);
    await neighbour.close();
    await new Promise((r) => setTimeout(r, 1100));
    const ok = await attempt(url, { headers: basic("CP-BF", KEY) });
    assert(ok.open, "the right key works once the back-off is over");
    await ok.close();
    // The next failure after a success starts from scratch.
    const again = await attempt(url, { headers: basic("CP-BF", "wrong-again-wrong-again") });
    assertEquals(again.open ? 101 : again.status, 401);

    const events = await server.json("/api/v1/security-events?kind=station_rate_limited");
    assert(events.body.items.length >= 1);
    assertEquals(events.body.items[0].status, 429);
  } finally {
    await server.close();
  }
});

Deno.test("40 wrong AuthorizationKeys sent at once get no more guesses than 40 one after another", async () => {
  const server = await startApiServer({ AUTH_FREE_FAILURES: "2", AUTH_BACKOFF_BASE_S: "60" });
  try {
    await server.json("/api/v1/station-security/CP-RACE", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const url = `${server.wsUrl}/CP-RACE`;
    // Each handshake waits for a key hash check: in parallel, they all overlap it.
    const results = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) => attempt(url, { headers: basic("CP-RACE", `wrong-key-number-${i}`) }),
      ),
    );
    const statuses = results.map((a) => a.open ? 101 : a.status).sort();
    // The two free failures and the one that starts the wait are guesses; nobody else gets one.
    assertEquals(statuses, [...Array(3).fill(401), ...Array(37).fill(429)]);
    const right = await attempt(url, { headers: basic("CP-RACE", KEY) });
    assertEquals(right.open ? 101 : right.status, 429, "the guesser waits, even with the right key");
    const failed = await server.json(
      "/api/v1/security-events?kind=station_auth_failed&chargePointId=CP-RACE",
    );
    assertEquals(failed.body.items.length, 3);
  } finally {
    await server.close();
  }
});

Deno.test("failed operator logins back off per source and username with 429, and are security events", async () => {
  const server = await startApiServer({ AUTH_FREE_FAILURES: "3", AUTH_BACKOFF_BASE_S: "30" });
  try {
    const login = (password: string) =>
      fetch(`${server.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "root", password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await login(`wrong-password-${i}`);
      await res.body?.cancel();
      statuses.push(res.status);
      if (res.status === 429) assertEquals(res.headers.get("retry-after"), "30");
    }
    assertEquals(statuses, [401, 401, 401, 401, 429]);
    const right = await login("root-password-1");
    assertEquals(right.status, 429);
    assertEquals((await right.json()).error, "rate_limited");
    const events = await server.json("/api/v1/security-events?kind=login_failed");
    assertEquals(events.body.items.length, 4);
    assertEquals(events.body.items[0].principal, "root");
    const text = JSON.stringify(server.logs);
    for (let i = 0; i < 5; i++) assert(!text.includes(`wrong-password-${i}`));
    assert(!text.includes("root-password-1"));
  } finally {
    await server.close();
  }
});

Deno.test("profile 2 needs TLS; a trusted proxy's X-Forwarded-Proto counts, anyone else's does not", async () => {
  for (const trusted of [false, true]) {
    const server = await startApiServer(trusted ? { TRUSTED_PROXIES: "127.0.0.1/32, ::1" } : {});
    try {
      await server.json("/api/v1/station-security/CP-P2", {
        method: "PATCH",
        body: { securityProfile: 2, authorizationKey: KEY },
      });
      const plain = await attempt(`${server.wsUrl}/CP-P2`, { headers: basic("CP-P2", KEY) });
      assertEquals(plain.open ? 101 : plain.status, 403);
      const forwarded = await attempt(`${server.wsUrl}/CP-P2`, {
        headers: { ...basic("CP-P2", KEY), "x-forwarded-proto": "https" },
      });
      assertEquals(forwarded.open ? 101 : forwarded.status, trusted ? 101 : 403);
      if (forwarded.open) await forwarded.close();
    } finally {
      await server.close();
    }
  }
});

Deno.test("profile 3 trusts the client-certificate headers only from a trusted proxy, and the CN must be the id", async () => {
  const server = await startApiServer({ TRUSTED_PROXIES: "127.0.0.1, ::1", ALLOWED_IPS: "203.0.113.0/24" });
  try {
    await server.json("/api/v1/station-security/CP-P3", { method: "PATCH", body: { securityProfile: 3 } });
    const cert = (cn: string, verify = "SUCCESS") => ({
      "x-forwarded-proto": "https",
      "x-forwarded-for": "203.0.113.7",
      "x-ssl-client-verify": verify,
      "x-ssl-client-s-dn": `CN=${cn},O=Acme`,
    });
    const good = await attempt(`${server.wsUrl}/CP-P3`, { headers: cert("CP-P3") });
    assert(good.open);
    await good.close();
    for (
      const headers of [cert("CP-OTHER"), cert("CP-P3", "FAILED:unable to verify"), cert("CP-P3", "NONE")]
    ) {
      const a = await attempt(`${server.wsUrl}/CP-P3`, { headers });
      assertEquals(a.open ? 101 : a.status, 403);
    }
    // ALLOWED_IPS applies to the forwarded client address: 198.51.100.1 is outside it.
    const outside = await attempt(`${server.wsUrl}/CP-P3`, {
      headers: { ...cert("CP-P3"), "x-forwarded-for": "198.51.100.1" },
    });
    assertEquals(outside.open ? 101 : outside.status, 403);
    const kinds = (await server.json("/api/v1/security-events")).body.items.map((e: { kind: string }) =>
      e.kind
    );
    assert(kinds.includes("certificate_accepted"));
    assert(kinds.includes("certificate_rejected"));
    // The good station closed its socket; the server forgets it once it has seen the close (later under load).
    await eventually(() => server.registry.list().length === 0, 5000, "the closed station unregistered");
    assert(server.logs.some((l) => l.msg === "connection opened" && l.remoteAddress === "203.0.113.7"));
  } finally {
    await server.close();
  }
  // Without a trusted proxy the same headers are worthless.
  const bare = await startTestServer({ SECURITY_PROFILE: "3" });
  try {
    const forged = await attempt(`${bare.wsUrl}/CP-P3`, {
      headers: {
        "x-forwarded-proto": "https",
        "x-ssl-client-verify": "SUCCESS",
        "x-ssl-client-s-dn": "CN=CP-P3",
      },
    });
    assertEquals(forged.open ? 101 : forged.status, 403);
  } finally {
    await bare.close();
  }
});

const opensslMissing = !(await hasCommand("openssl")) && Deno.env.get("CI") !== "true";

Deno.test({
  name: "profile 2 on the server's own TLS: a strict ocpp-rpc station connects over wss with Basic auth",
  ignore: opensslMissing,
  async fn() {
    const pki = await makePki();
    const server = await startTestServer({ TLS_CERT_FILE: pki.serverCert, TLS_KEY_FILE: pki.serverKey });
    try {
      assert(server.url.startsWith("https://"));
      const { hashAuthorizationKey } = await import("../security/station_gate.ts");
      const at = new Date().toISOString();
      await server.security.store.put({
        chargePointId: "CP-TLS",
        securityProfile: 2,
        authorizationKeyHash: await hashAuthorizationKey(KEY),
        allowedIps: [],
        updatedBy: "test",
        createdAt: at,
        updatedAt: at,
      });
      const wss = `wss://127.0.0.1:${server.port}/ocpp`;
      const station = await connectSecureStation(wss, "CP-TLS", { password: KEY, wsOpts: { ca: pki.caPem } });
      try {
        assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
      } finally {
        await closeStation(station);
      }
      await assertRejects(() =>
        connectSecureStation(wss, "CP-TLS", { password: OTHER_KEY, wsOpts: { ca: pki.caPem }, boot: false })
      );
      assert(!JSON.stringify(server.logs).includes(KEY));
    } finally {
      await server.close();
      await pki.remove();
    }
  },
});

Deno.test("security events survive a restart of the server process on the same KV file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-security-restart-" });
  const env = {
    KV_PATH: `${dir}/csms.kv`,
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    SECURITY_PROFILE: "1",
    AUTH_FREE_FAILURES: "100",
  };
  const login = async (url: string, password: string) => {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: ADMIN.username, password }),
    });
    await res.body?.cancel();
    return { status: res.status, cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "" };
  };
  const events = async (url: string, cookie: string, query = "") => {
    const res = await fetch(`${url}/api/v1/security-events${query}`, { headers: { cookie } });
    assertEquals(res.status, 200);
    return await res.json();
  };
  try {
    const first = await spawnServer(env);
    try {
      assertEquals((await login(first.url, "wrong-password-1")).status, 401);
      const refused = await attempt(`${first.wsUrl}/CP-RESTART`, { headers: basic("CP-RESTART", KEY) });
      assertEquals(refused.open ? 101 : refused.status, 401);
      const { cookie } = await login(first.url, ADMIN.password);
      assertEquals((await events(first.url, cookie)).items.length, 2);
    } finally {
      // SIGTERM: a clean shutdown, which writes whatever is still queued.
      assertEquals((await first.kill()).code, 0);
    }
    const second = await spawnServer(env);
    try {
      const { cookie } = await login(second.url, ADMIN.password);
      const after = await events(second.url, cookie);
      assertEquals(after.source, "store");
      assertEquals(after.items.map((e: { kind: string }) => e.kind), ["station_auth_failed", "login_failed"]);
      assertEquals(after.items[0].chargePointId, "CP-RESTART");
      assertEquals(after.items[1].principal, ADMIN.username);
      const station = await events(second.url, cookie, "?chargePointId=CP-RESTART");
      assertEquals(station.items.length, 1);
    } finally {
      await second.kill();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GET /api/v1/security-events filters by kind and station together and pages with nextCursor", async () => {
  const server = await startApiServer({ SECURITY_PROFILE: "1", AUTH_FREE_FAILURES: "100" });
  try {
    for (const id of ["CP-A", "CP-B", "CP-A", "CP-A", "CP-B", "CP-A"]) {
      const a = await attempt(`${server.wsUrl}/${id}`, { headers: basic(id, OTHER_KEY) });
      assertEquals(a.open ? 101 : a.status, 401);
    }
    server.security.events.record({ kind: "station_refused", chargePointId: "CP-A", reason: "Not allowed" });
    type Page = { items: { id: string; kind: string; chargePointId: string }[]; nextCursor: string | null };
    const read = async (query: string) => {
      const res = await server.json<Page>(`/api/v1/security-events${query}`, { as: "operator" });
      assertEquals(res.status, 200);
      return res.body;
    };
    const wanted = "kind=station_auth_failed&chargePointId=CP-A";
    const seen: string[] = [];
    let page = await read(`?${wanted}&limit=3`);
    assertEquals(page.items.length, 3);
    seen.push(...page.items.map((e) => e.id));
    assert(page.nextCursor !== null);
    page = await read(`?${wanted}&limit=3&before=${encodeURIComponent(page.nextCursor)}`);
    assertEquals(page.items.length, 1);
    assertEquals(page.nextCursor, null);
    seen.push(...page.items.map((e) => e.id));
    // Four distinct events, newest first, all of the kind and station asked for.
    assertEquals(new Set(seen).size, 4);
    assertEquals([...seen].sort().reverse(), seen);
    const all = await read("?limit=1000");
    const expected = all.items.filter((e) => e.kind === "station_auth_failed" && e.chargePointId === "CP-A");
    assertEquals(expected.map((e) => e.id), seen);
    // An exact page ends without a cursor; one filter alone works too.
    assertEquals((await read(`?${wanted}&limit=4`)).nextCursor, null);
    assertEquals((await read("?chargePointId=CP-B")).items.length, 2);
    assertEquals((await read("?kind=station_refused")).items.map((e) => e.chargePointId), ["CP-A"]);
    assertEquals((await server.json("/api/v1/security-events?kind=nonsense")).status, 400);
    assertEquals((await server.json("/api/v1/security-events?limit=0")).status, 400);
  } finally {
    await server.close();
  }
});

const ignorePostgres = await ignoreWithoutPostgres("PostgreSQL security event sharing test");

Deno.test({
  name: "two servers on one PostgreSQL database list each other's security events",
  ignore: ignorePostgres,
  async fn() {
    const db = await migratedDatabase("csms_secev_e2e");
    try {
      const storeA = await openPostgresStationSecurityStore(db.url);
      const storeB = await openPostgresStationSecurityStore(db.url, { migrate: false });
      const a = await startApiServer({ SECURITY_PROFILE: "1" }, { stationSecurity: storeA });
      const b = await startApiServer({ SECURITY_PROFILE: "1" }, { stationSecurity: storeB });
      try {
        const refused = await attempt(`${a.wsUrl}/CP-ON-A`, { headers: basic("CP-ON-A", KEY) });
        assertEquals(refused.open ? 101 : refused.status, 401);
        // The event is written behind: B sees it once A's writer has stored it.
        await a.security.events.flush();
        const seen = await b.json("/api/v1/security-events?chargePointId=CP-ON-A", { as: "operator" });
        assertEquals(seen.body.source, "store");
        assertEquals(seen.body.items.map((e: { kind: string }) => e.kind), ["station_auth_failed"]);
        // And the other way round, including the failed logins of both (each server made its tokens).
        await b.json("/api/v1/station-security/CP-ON-B", {
          method: "PATCH",
          body: { securityProfile: 1, authorizationKey: KEY },
        });
        await b.security.events.flush();
        const changed = await a.json("/api/v1/security-events?kind=station_security_changed", {
          as: "operator",
        });
        assertEquals(changed.body.items.map((e: { chargePointId: string }) => e.chargePointId), ["CP-ON-B"]);
      } finally {
        await a.close();
        await b.close();
        await storeA.close();
        await storeB.close();
      }
    } finally {
      await db.drop();
    }
  },
});
