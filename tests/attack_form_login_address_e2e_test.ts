/**
 * The forms without JavaScript (`POST /login`, `POST /setup`) as an attacker would use them: they call the API
 * in-process, and the API must still see the browser's address. Else every form client shares one back-off
 * bucket (an attacker locks the username out of form login for everyone) and the security events say
 * "unknown". Real HTTP from two loopback addresses (127.0.0.5 the guesser, 127.0.0.1 the operator); a
 * forwarded address counts only from a trusted proxy, never when a client sends the header itself.
 */
import { assert, assertEquals } from "@std/assert";
import type { SecurityEvent } from "../security/security_events.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const GUESSER = "127.0.0.5";
const OPERATOR = "127.0.0.1";

/** Browsers at one loopback address each; closed with `close()`. */
function browsers(...addresses: string[]) {
  const clients = new Map(addresses.map((a) => [a, Deno.createHttpClient({ localAddress: a })]));
  return {
    at: (address: string) => clients.get(address)!,
    close: () => clients.forEach((c) => c.close()),
  };
}

/** Signs in through the login form from `client` as a browser does (page, token cookie, post); the status. */
async function formLogin(
  server: TestServer,
  client: Deno.HttpClient,
  password: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const page = await fetch(`${server.url}/login`, { client, headers });
  const csrf = /"csrf":"([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const tokenCookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const posted = await fetch(`${server.url}/login`, {
    client,
    method: "POST",
    headers: { ...headers, cookie: tokenCookie, origin: new URL(server.url).origin },
    body: new URLSearchParams({ username: ADMIN.username, password, next: "/", csrf }),
    redirect: "manual",
  });
  await posted.body?.cancel();
  return posted.status;
}

/** The addresses of the security events of `kind`, newest first. */
function addressesOf(server: TestServer, kind: SecurityEvent["kind"]): (string | null)[] {
  return server.security.events.list({ kinds: [kind] }).map((e) => e.remoteAddress);
}

Deno.test("a form-login lockout of one address leaves another address's form login alone", async () => {
  const server = await startApiServer({ AUTH_FREE_FAILURES: "2", AUTH_BACKOFF_BASE_S: "60" });
  const b = browsers(GUESSER, OPERATOR);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await formLogin(server, b.at(GUESSER), `wrong-password-${i}`));
    assertEquals(statuses, [401, 401, 401, 429, 429]);
    // Claiming another address by header is no way out: no proxy is trusted here.
    assertEquals(
      await formLogin(server, b.at(GUESSER), ADMIN.password, { "x-forwarded-for": OPERATOR }),
      429,
      "the guesser itself waits",
    );
    assertEquals(await formLogin(server, b.at(OPERATOR), ADMIN.password), 303, "the operator signs in");

    assertEquals(addressesOf(server, "login_failed"), [GUESSER, GUESSER, GUESSER]);
    assertEquals(addressesOf(server, "login_rate_limited"), [GUESSER]);
    // As the operator sees them through the API, too.
    const failed = await server.json("/api/v1/security-events?kind=login_failed");
    assertEquals(failed.body.items.map((e: SecurityEvent) => e.remoteAddress), [GUESSER, GUESSER, GUESSER]);
  } finally {
    b.close();
    await server.close();
  }
});

Deno.test("behind a trusted proxy the form login counts the client the proxy names, nobody else's claim", async () => {
  const server = await startApiServer({
    AUTH_FREE_FAILURES: "1",
    AUTH_BACKOFF_BASE_S: "60",
    TRUSTED_PROXIES: OPERATOR,
  });
  const b = browsers(GUESSER, OPERATOR);
  const viaProxy = (client: string, password: string) =>
    formLogin(server, b.at(OPERATOR), password, { "x-forwarded-for": client });
  try {
    assertEquals([await viaProxy("203.0.113.7", "wrong-1"), await viaProxy("203.0.113.7", "wrong-2")], [
      401,
      401,
    ]);
    assertEquals(await viaProxy("203.0.113.7", "wrong-3"), 429);
    assertEquals(await viaProxy("203.0.113.8", ADMIN.password), 303, "another client behind the proxy");
    // Not a proxy: its header is ignored, it is itself.
    assertEquals(
      await formLogin(server, b.at(GUESSER), "wrong-4", { "x-forwarded-for": "203.0.113.9" }),
      401,
    );
    assertEquals(addressesOf(server, "login_failed"), [GUESSER, "203.0.113.7", "203.0.113.7"]);
    assertEquals(addressesOf(server, "login_rate_limited"), ["203.0.113.7"]);
  } finally {
    b.close();
    await server.close();
  }
});

/** Posts the setup form from `client`; the status. */
async function formSetup(server: TestServer, client: Deno.HttpClient, setupToken: string): Promise<number> {
  const res = await fetch(`${server.url}/setup`, {
    client,
    method: "POST",
    headers: { origin: new URL(server.url).origin },
    body: new URLSearchParams({ username: "first", password: "first-admin-password", setupToken }),
    redirect: "manual",
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("wrong setup tokens through the form make only their own address wait", async () => {
  const server = await startTestServer({ AUTH_FREE_FAILURES: "1", AUTH_BACKOFF_BASE_S: "60" });
  const b = browsers(GUESSER, OPERATOR);
  try {
    const token = String(server.logs.find((l) => typeof l.setupToken === "string")?.setupToken);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await formSetup(server, b.at(GUESSER), `setup_guess_${i}`));
    assertEquals(statuses, [403, 403, 429]);
    assertEquals(await formSetup(server, b.at(OPERATOR), token), 303, "the operator with the token");
    assertEquals(await server.auth.countUsers(), 1);
    assertEquals(addressesOf(server, "login_failed"), [GUESSER, GUESSER]);
    assert(!addressesOf(server, "login_rate_limited").includes("unknown"));
  } finally {
    b.close();
    await server.close();
  }
});
