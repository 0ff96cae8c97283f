/**
 * Operator auth over real HTTP: every route of the OpenAPI document as anonymous, viewer, operator and admin;
 * login, session cookie, logout; API tokens; users; the first admin from the environment.
 */
import { assert, assertEquals, assertFalse, assertStringIncludes } from "@std/assert";
import { ADMIN, type ApiTestServer, type Role, startApiServer } from "./helpers/api.ts";
import { startTestServer } from "./helpers/server.ts";

const RANK: Record<string, number> = { anonymous: 0, viewer: 1, operator: 2, admin: 3 };

/** Every documented operation, with its path parameters filled with harmless sample values. */
async function operations(server: ApiTestServer) {
  const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
  const ops: Array<{ method: string; path: string; role: string }> = [];
  for (
    const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, { "x-required-role": string }>>,
    )
  ) {
    for (const [method, op] of Object.entries(methods)) {
      const filled = path
        .replace("{id}", "CP-NONE")
        .replace("{transactionId}", "999")
        .replace("{idTag}", "NO-TAG")
        .replace("{username}", "nobody");
      ops.push({ method: method.toUpperCase(), path: filled, role: op["x-required-role"] });
    }
  }
  return ops;
}

async function statusOf(
  server: ApiTestServer,
  method: string,
  path: string,
  as: Role | null,
): Promise<number> {
  // An empty JSON object as body: enough to get past the role check, never a valid write of anything.
  const res = await server.api(path, { method, as, ...(method === "GET" ? {} : { body: {} }) });
  await res.body?.cancel(); // the event stream never ends on its own
  return res.status;
}

Deno.test("every API route: 401 for anonymous, 403 below its role, allowed from its role up", async () => {
  const server = await startApiServer();
  try {
    const ops = await operations(server);
    assert(ops.length >= 19 + 25, `expected every route in the document, got ${ops.length}`);
    for (const { method, path, role } of ops) {
      const anonymous = await statusOf(server, method, path, null);
      if (role === "anonymous") assert(anonymous !== 401 && anonymous !== 403, `${method} ${path}`);
      else assertEquals(anonymous, 401, `${method} ${path} as anonymous`);
      for (const as of ["viewer", "operator", "admin"] as const) {
        const status = await statusOf(server, method, path, as);
        if (RANK[as]! < RANK[role]!) assertEquals(status, 403, `${method} ${path} as ${as}`);
        else assert(status !== 401 && status !== 403, `${method} ${path} as ${as} answered ${status}`);
      }
    }
    // Paths that exist nowhere are 401 too before authentication, 404 after.
    assertEquals(await statusOf(server, "GET", "/api/v1/nothing-here", null), 401);
    assertEquals(await statusOf(server, "GET", "/api/v1/nothing-here", "viewer"), 404);
    assertEquals(await statusOf(server, "POST", "/api/v1/charge-points/CP-1/Nope", "viewer"), 403);
    // Health stays open.
    assertEquals(
      await fetch(`${server.url}/healthz`).then(async (r) => (await r.body?.cancel(), r.status)),
      200,
    );
    // Error bodies have the one shape.
    const denied = await server.json("/api/v1/users", { as: "operator" });
    assertEquals(Object.keys(denied.body).sort(), ["details", "error", "message"]);
    assertEquals(denied.body.error, "forbidden");
  } finally {
    await server.close();
  }
});

Deno.test("login sets an HttpOnly SameSite=Lax cookie that works until logout", async () => {
  const server = await startApiServer();
  try {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const body = await res.json();
    assertEquals(res.status, 200);
    assertEquals(body.user.role, "admin");
    assertFalse("passwordHash" in body.user);
    const setCookie = res.headers.get("set-cookie") ?? "";
    assertStringIncludes(setCookie, "HttpOnly");
    assertStringIncludes(setCookie, "SameSite=Lax");
    assertStringIncludes(setCookie, "Path=/");
    assertFalse(setCookie.includes("Secure"), "plain http: no Secure flag");
    const cookie = setCookie.split(";")[0]!;
    const me = await server.json("/api/v1/auth/me", { as: null, headers: { cookie } });
    assertEquals(me.body, { kind: "user", name: "root", role: "admin" });
    // A cookie-authenticated change from another origin is refused.
    const foreign = await server.json("/api/v1/id-tags", {
      method: "POST",
      as: null,
      body: { idTag: "X" },
      headers: { cookie, origin: "https://evil.example" },
    });
    assertEquals(foreign.status, 403);
    const own = await server.json("/api/v1/id-tags", {
      method: "POST",
      as: null,
      body: { idTag: "X" },
      headers: { cookie, origin: server.url },
    });
    assertEquals(own.status, 201);
    const out = await server.api("/api/v1/auth/logout", { method: "POST", as: null, headers: { cookie } });
    assertEquals(out.status, 204);
    assertStringIncludes(out.headers.get("set-cookie") ?? "", "Max-Age=0");
    assertEquals((await server.json("/api/v1/auth/me", { as: null, headers: { cookie } })).status, 401);
    // Behind an https proxy, the cookie is Secure.
    const proxied = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
      body: JSON.stringify(ADMIN),
    });
    await proxied.body?.cancel();
    assertStringIncludes(proxied.headers.get("set-cookie") ?? "", "Secure");
  } finally {
    await server.close();
  }
});

Deno.test("a wrong password or an unknown user is 401 with the same message", async () => {
  const server = await startApiServer();
  try {
    const wrong = await server.json("/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: "root", password: "not-it-at-all" },
    });
    const unknown = await server.json("/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: "ghost", password: "not-it-at-all" },
    });
    assertEquals([wrong.status, unknown.status], [401, 401]);
    assertEquals(wrong.body.message, unknown.body.message);
    assertEquals(wrong.body.message, "Invalid username or password");
  } finally {
    await server.close();
  }
});

Deno.test("admins manage users: roles apply at once, a disabled user is logged out, the last admin stays", async () => {
  const server = await startApiServer();
  try {
    const created = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "olga", role: "operator", password: "olga-password" },
    });
    assertEquals([created.status, created.body.role], [201, "operator"]);
    assertEquals(
      (await server.json("/api/v1/users", {
        method: "POST",
        body: { username: "olga", role: "viewer", password: "x".repeat(8) },
      }))
        .status,
      409,
    );
    const short = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "pat", role: "viewer", password: "short" },
    });
    assertEquals([short.status, short.body.details.field], [400, "password"]);
    const cookie = await server.login("olga", "olga-password");
    const asOlga = (path: string, method = "GET") =>
      server.api(path, { method, as: null, headers: { cookie } }).then(async (
        r,
      ) => (await r.body?.cancel(), r.status));
    assertEquals(await asOlga("/api/v1/charge-points"), 200);
    assertEquals(await asOlga("/api/v1/users"), 403);
    // Demoted: the same session now has viewer rights.
    assertEquals(
      (await server.json("/api/v1/users/olga", { method: "PATCH", body: { role: "viewer" } })).status,
      200,
    );
    assertEquals(
      (await server.json("/api/v1/auth/me", { as: null, headers: { cookie } })).body.role,
      "viewer",
    );
    // Disabled: the session stops working, and so does logging in.
    assertEquals(
      (await server.json("/api/v1/users/olga", { method: "PATCH", body: { disabled: true } })).status,
      200,
    );
    assertEquals(await asOlga("/api/v1/charge-points"), 401);
    const relogin = await server.json("/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: "olga", password: "olga-password" },
    });
    assertEquals(relogin.status, 401);
    // The last active admin can be neither demoted nor deleted.
    const demote = await server.json("/api/v1/users/root", { method: "PATCH", body: { role: "operator" } });
    assertEquals([demote.status, demote.body.error], [409, "conflict"]);
    assertEquals((await server.json("/api/v1/users/root", { method: "DELETE" })).status, 409);
    assertEquals((await server.json("/api/v1/users/olga", { method: "DELETE" })).status, 204);
    assertEquals((await server.json("/api/v1/users/olga", { method: "DELETE" })).status, 404);
    const list = await server.json("/api/v1/users");
    assertEquals(list.body.items.map((u: { username: string }) => u.username), ["root"]);
    assertFalse(JSON.stringify(list.body).includes("pbkdf2"), "no password hash leaves the server");
  } finally {
    await server.close();
  }
});

Deno.test("changing my password logs out my sessions; the new password works", async () => {
  const server = await startApiServer();
  try {
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    const wrong = await server.json("/api/v1/auth/password", {
      method: "PUT",
      as: null,
      headers: { cookie },
      body: { currentPassword: "nope", newPassword: "another-password" },
    });
    assertEquals([wrong.status, wrong.body.details.field], [400, "currentPassword"]);
    const ok = await server.api("/api/v1/auth/password", {
      method: "PUT",
      as: null,
      headers: { cookie },
      body: { currentPassword: ADMIN.password, newPassword: "another-password" },
    });
    assertEquals(ok.status, 204);
    assertEquals((await server.json("/api/v1/auth/me", { as: null, headers: { cookie } })).status, 401);
    await server.login(ADMIN.username, "another-password");
  } finally {
    await server.close();
  }
});

Deno.test("API tokens: shown once, stored hashed, revocable, and expiring", async () => {
  const server = await startApiServer();
  try {
    const made = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "billing", role: "viewer" },
    });
    assertEquals(made.status, 201);
    assert(made.body.token.startsWith("csms_"));
    const use = (token: string) =>
      fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.json()
      );
    assertEquals(await use(made.body.token), { kind: "token", name: "billing", role: "viewer" });
    const list = await server.json("/api/v1/tokens");
    assertFalse(JSON.stringify(list.body).includes(made.body.token), "the secret is never listed");
    const stored = await server.auth.listTokens();
    assertFalse(JSON.stringify(stored).includes(made.body.token), "the secret is not stored");
    assertEquals((await server.api(`/api/v1/tokens/${made.body.id}`, { method: "DELETE" })).status, 204);
    assertEquals((await use(made.body.token)).error, "unauthenticated");
    // An expired token is refused; a garbage header is 401 rather than anonymous.
    const expired = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "old", role: "admin", expiresAt: "2020-01-01T00:00:00Z" },
    });
    assertEquals((await use(expired.body.token)).error, "unauthenticated");
    const garbage = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: "Basic abc" } });
    await garbage.body?.cancel();
    assertEquals(garbage.status, 401);
  } finally {
    await server.close();
  }
});

Deno.test("ADMIN_USER/ADMIN_PASSWORD create the first admin only when there are no users", async () => {
  const { openKvAuthStore } = await import("../store/auth_kv.ts");
  const auth = await openKvAuthStore(":memory:");
  try {
    const first = await startTestServer({ ADMIN_USER: "boss", ADMIN_PASSWORD: "first-password" }, { auth });
    await first.close();
    const again = await startTestServer({ ADMIN_USER: "boss2", ADMIN_PASSWORD: "second-password" }, { auth });
    try {
      assertEquals((await auth.listUsers()).map((u) => [u.username, u.role]), [["boss", "admin"]]);
      const login = await fetch(`${again.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "boss", password: "first-password" }),
      });
      await login.body?.cancel();
      assertEquals(login.status, 200);
    } finally {
      await again.close();
    }
    // Without the variables and without users, nobody can log in (no default password).
    const bare = await startTestServer();
    try {
      assertEquals(await bare.auth.countUsers(), 0);
      assert(bare.logs.some((l) => String(l.msg).includes("no operator users")));
    } finally {
      await bare.close();
    }
  } finally {
    await auth.close();
  }
});
