/**
 * Issue 10 item 9 (credentials), as a fired operator or a leaked token would try it: keep a live event stream
 * open after logging out, after being disabled, after the token was revoked; keep using an API token after its
 * creator was disabled or deleted. Every stream ends and every such token is refused.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";

/** Opens GET /api/v1/events with `headers`; `ended` resolves when the server closes the stream. */
async function openStream(server: ApiTestServer, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/api/v1/events`, { headers });
  assertEquals(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert(new TextDecoder().decode(first.value).includes(": connected"));
  const ended = (async (): Promise<"closed"> => {
    try {
      for (;;) if ((await reader.read()).done) return "closed";
    } catch {
      return "closed";
    }
  })();
  return {
    /** "closed" once the server ended it, "open" if it is still open after `ms`. */
    async state(ms = 3000): Promise<"closed" | "open"> {
      let timer: ReturnType<typeof setTimeout>;
      const open = new Promise<"open">((r) => (timer = setTimeout(() => r("open"), ms)));
      const result = await Promise.race([ended, open]);
      clearTimeout(timer!);
      return result;
    },
    async cancel() {
      await reader.cancel().catch(() => {});
    },
  };
}

async function addUser(server: ApiTestServer, username: string, role = "viewer") {
  const res = await server.json("/api/v1/users", {
    method: "POST",
    body: { username, role, password: `${username}-password-1` },
  });
  assertEquals(res.status, 201);
  return await server.login(username, `${username}-password-1`);
}

Deno.test("live event streams end on logout, on disable, on a password reset and on token revocation", async () => {
  const server = await startApiServer();
  const streams: Awaited<ReturnType<typeof openStream>>[] = [];
  try {
    // Logout: the stream opened with that session ends.
    const alice = await addUser(server, "alice");
    const aliceStream = await openStream(server, { cookie: alice });
    const bystander = await openStream(server, { authorization: `Bearer ${server.tokens.viewer}` });
    streams.push(aliceStream, bystander);
    const out = await fetch(`${server.url}/api/v1/auth/logout`, {
      method: "POST",
      headers: { cookie: alice },
    });
    await out.body?.cancel();
    assertEquals(out.status, 204);
    assertEquals(await aliceStream.state(), "closed");

    // Disabled by an admin.
    const bob = await addUser(server, "bob");
    const bobStream = await openStream(server, { cookie: bob });
    streams.push(bobStream);
    await server.json("/api/v1/users/bob", { method: "PATCH", body: { disabled: true } });
    assertEquals(await bobStream.state(), "closed");

    // Password reset by an admin (logs the user out everywhere).
    const carol = await addUser(server, "carol");
    const carolStream = await openStream(server, { cookie: carol });
    streams.push(carolStream);
    await server.json("/api/v1/users/carol", { method: "PATCH", body: { password: "a-brand-new-password" } });
    assertEquals(await carolStream.state(), "closed");

    // A revoked token.
    const made = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "leaked", role: "viewer" },
    });
    const leaked = await openStream(server, { authorization: `Bearer ${made.body.token}` });
    streams.push(leaked);
    assertEquals((await server.api(`/api/v1/tokens/${made.body.id}`, { method: "DELETE" })).status, 204);
    assertEquals(await leaked.state(), "closed");

    // Everyone else's stream is untouched by all of this.
    assertEquals(await bystander.state(500), "open");
  } finally {
    for (const s of streams) await s.cancel();
    await server.close();
  }
});

Deno.test("a stream whose session ends in another process (no news here) ends at its next periodic check", async () => {
  const server = await startApiServer({ EVENT_STREAM_RECHECK_S: "1" });
  const streams: Awaited<ReturnType<typeof openStream>>[] = [];
  try {
    const dave = await addUser(server, "dave");
    const stream = await openStream(server, { cookie: dave });
    streams.push(stream);
    // Straight in the store, as another process on the same store would: this process hears nothing.
    await server.auth.deleteSessionsOf("dave");
    assertEquals(await stream.state(3000), "closed");
  } finally {
    for (const s of streams) await s.cancel();
    await server.close();
  }
});

Deno.test("an API token stops working while the admin who created it is disabled, and once they are deleted, even if the name is taken again", async () => {
  const server = await startApiServer();
  const streams: Awaited<ReturnType<typeof openStream>>[] = [];
  try {
    const erin = await addUser(server, "erin", "admin");
    const create = (cookie: string, name: string) =>
      fetch(`${server.url}/api/v1/tokens`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ name, role: "operator" }),
      }).then((r) => r.json());
    const token = (await create(erin, "erins-robot")).token as string;
    assertEquals((await create(erin, "erins-robot")).createdBy, "user:erin");
    const asToken = (path: string) =>
      fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    // A token made by that token answers to erin too.
    const child = await (await fetch(`${server.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "robots-child", role: "viewer" }),
    })).json();
    assertEquals(child.createdBy, undefined, "an operator token may not make tokens");

    const ok = await asToken("/api/v1/auth/me");
    assertEquals([ok.status, (await ok.json()).name], [200, "erins-robot"]);
    const stream = await openStream(server, { authorization: `Bearer ${token}` });
    streams.push(stream);

    await server.json("/api/v1/users/erin", { method: "PATCH", body: { disabled: true } });
    const refused = await asToken("/api/v1/auth/me");
    assertEquals(refused.status, 401);
    assertEquals((await refused.json()).error, "unauthenticated");
    assertEquals(await stream.state(), "closed");

    await server.json("/api/v1/users/erin", { method: "PATCH", body: { disabled: false } });
    const back = await asToken("/api/v1/auth/me");
    await back.body?.cancel();
    assertEquals(back.status, 200, "re-enabled, the token works again");

    assertEquals((await server.api("/api/v1/users/erin", { method: "DELETE" })).status, 204);
    const gone = await asToken("/api/v1/auth/me");
    await gone.body?.cancel();
    assertEquals(gone.status, 401);

    // A new account under the same name is someone else: the old token stays dead.
    await addUser(server, "erin", "admin");
    const revived = await asToken("/api/v1/auth/me");
    await revived.body?.cancel();
    assertEquals(revived.status, 401, "a recreated user must not revive the old user's tokens");
  } finally {
    for (const s of streams) await s.cancel();
    await server.close();
  }
});

Deno.test("a token made by an admin token answers to the user behind that token", async () => {
  const server = await startApiServer();
  try {
    const frank = await addUser(server, "frank", "admin");
    const parent = await (await fetch(`${server.url}/api/v1/tokens`, {
      method: "POST",
      headers: { cookie: frank, "content-type": "application/json" },
      body: JSON.stringify({ name: "frank-admin-robot", role: "admin" }),
    })).json();
    const child = await (await fetch(`${server.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${parent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "grandchild", role: "viewer" }),
    })).json();
    assertEquals(child.createdBy, "user:frank");
    await server.json("/api/v1/users/frank", { method: "PATCH", body: { disabled: true } });
    const res = await fetch(`${server.url}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${child.token}` },
    });
    await res.body?.cancel();
    assertEquals(res.status, 401);
  } finally {
    await server.close();
  }
});
