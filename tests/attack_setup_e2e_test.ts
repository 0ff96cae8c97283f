/**
 * The first run as an attacker would try it on a fresh public server: the setup page cannot make an admin
 * without the one-time token from the server's log (guessing is answered 403, then 429), not from another
 * site, not as a form post from another origin, not twice, not when two right answers race, and not once an
 * admin exists (by any route: the page, the API, a server that started with users).
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { openKvAuthStore } from "../store/kv/auth.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

function setupTokenOf(server: TestServer): string {
  const line = server.logs.find((l) => typeof l.setupToken === "string");
  assert(line, "the server logs a setup token");
  assertStringIncludes(String(line.msg), "/setup");
  return String(line.setupToken);
}

async function postSetup(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), cookie: res.headers.get("set-cookie") };
}

const ADMIN = { username: "first", password: "first-admin-password" };

Deno.test("setup: without the token from the log no admin is made; with it exactly one, once", async () => {
  const server = await startTestServer({ AUTH_FREE_FAILURES: "3" });
  try {
    const token = setupTokenOf(server);
    assertEquals(await (await fetch(`${server.url}/api/v1/setup`)).json(), { needed: true });
    // The dashboard sends a visitor to the setup page, and the login page too.
    for (const path of ["/", "/login", "/transactions"]) {
      const res = await fetch(`${server.url}${path}`, { redirect: "manual" });
      await res.body?.cancel();
      assertEquals([res.status, res.headers.get("location")], [303, "/setup"], path);
    }
    // Nothing secret on the page: the token is only in the log.
    const page = await (await fetch(`${server.url}/setup`)).text();
    assert(!page.includes(token));

    assertEquals((await postSetup(server, ADMIN)).status, 400);
    const wrong = await postSetup(server, { ...ADMIN, setupToken: "setup_guess" });
    assertEquals(wrong.status, 403);
    assertStringIncludes(wrong.body.message, "setup token is wrong");
    // Another site cannot post it for a visitor who knows the token (same-origin rule of the API).
    const crossSite = await postSetup(server, { ...ADMIN, setupToken: token }, {
      origin: "https://evil.example",
    });
    assertEquals(crossSite.status, 403);
    assertStringIncludes(crossSite.body.message, "Cross-origin");
    // A form from another site (no preflight) is no JSON call.
    const form = await fetch(`${server.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...ADMIN, setupToken: token }),
    });
    assertEquals(form.status, 415);
    await form.body?.cancel();
    // The page's own form post, from another origin: refused by the API behind it.
    const pageForm = await fetch(`${server.url}/setup`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
      body: new URLSearchParams({ ...ADMIN, repeat: ADMIN.password, setupToken: token }),
      redirect: "manual",
    });
    assertEquals(pageForm.status, 403);
    await pageForm.body?.cancel();
    assertEquals(await server.auth.countUsers(), 0);

    // Guessing: after the free failures the address must wait, even with the right token.
    for (let i = 0; i < 3; i++) await postSetup(server, { ...ADMIN, setupToken: `setup_guess_${i}` });
    const limited = await postSetup(server, { ...ADMIN, setupToken: token });
    assertEquals(limited.status, 429);
    assertEquals(await server.auth.countUsers(), 0);
  } finally {
    await server.close();
  }
});

Deno.test("setup: two right answers at once make one admin; the token then stops working and the page is gone", async () => {
  const server = await startTestServer();
  try {
    const token = setupTokenOf(server);
    const [a, b] = await Promise.all([
      postSetup(server, { ...ADMIN, setupToken: token }),
      postSetup(server, { username: "second", password: ADMIN.password, setupToken: token }),
    ]);
    assertEquals([a.status, b.status].sort(), [201, 409]);
    const winner = a.status === 201 ? a : b;
    assertEquals(winner.body.user.role, "admin");
    // The answer logged the new admin in.
    const me = await fetch(`${server.url}/api/v1/auth/me`, {
      headers: { cookie: winner.cookie!.split(";")[0]! },
    });
    assertEquals((await me.json()).role, "admin");
    assertEquals((await server.auth.listUsers()).length, 1);

    const again = await postSetup(server, {
      username: "intruder",
      password: ADMIN.password,
      setupToken: token,
    });
    assertEquals(again.status, 409);
    assertEquals(await (await fetch(`${server.url}/api/v1/setup`)).json(), { needed: false });
    const page = await fetch(`${server.url}/setup`, { redirect: "manual" });
    await page.body?.cancel();
    assertEquals([page.status, page.headers.get("location")], [303, "/login"]);
    const pagePost = await fetch(`${server.url}/setup`, {
      method: "POST",
      body: new URLSearchParams({ username: "intruder", password: ADMIN.password, setupToken: token }),
      redirect: "manual",
    });
    await pagePost.body?.cancel();
    assertEquals(pagePost.status, 303);
    assertEquals((await server.auth.listUsers()).map((u) => u.username).includes("intruder"), false);
  } finally {
    await server.close();
  }
});

Deno.test("setup: a server that starts with users prints no token, and the setup route makes nobody", async () => {
  const auth = await openKvAuthStore(":memory:");
  try {
    const first = await startTestServer({ ADMIN_USER: "boss", ADMIN_PASSWORD: "boss-password-1" }, { auth });
    assert(!first.logs.some((l) => "setupToken" in l));
    await first.close();
    const second = await startTestServer({}, { auth });
    try {
      assert(!second.logs.some((l) => "setupToken" in l));
      const res = await postSetup(second, { ...ADMIN, setupToken: "setup_anything" });
      assertEquals(res.status, 409);
      assertEquals((await auth.listUsers()).map((u) => u.username), ["boss"]);
    } finally {
      await second.close();
    }
  } finally {
    await auth.close();
  }
});
