/**
 * Live event streams opened by the hundred with one credential, as a viewer (the lowest role) could: each open
 * stream encodes every station event again and may buffer 1,000 of them, and each is asked again whenever a
 * credential is revoked. 300 streams of one viewer token were all served. Now one user or token holds at most
 * 20 at once; others are not held back, and a closed stream gives its place back.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";

Deno.test("one credential holds at most 20 live event streams; the 21st is 429, other credentials still stream", async () => {
  const server = await startApiServer();
  const open: Response[] = [];
  const stream = (as: "viewer" | "operator") =>
    fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${server.tokens[as]}` } });
  try {
    for (let i = 0; i < 20; i++) {
      const res = await stream("viewer");
      assertEquals(res.status, 200);
      open.push(res);
    }
    const refused = await stream("viewer");
    assertEquals(refused.status, 429);
    const body = await refused.json();
    assertEquals(body.error, "rate_limited");
    assertEquals(refused.headers.get("retry-after"), "5");
    const other = await stream("operator");
    assertEquals(other.status, 200);
    open.push(other);
    // A stream the client ends gives its place back.
    await open.shift()!.body?.cancel();
    const again = await eventually(
      async () => {
        const res = await stream("viewer");
        if (res.status === 200) return res;
        await res.body?.cancel();
        return null;
      },
      15_000,
      "a place given back",
    );
    open.push(again!);
  } finally {
    for (const res of open) await res.body?.cancel();
    await server.close();
  }
});

Deno.test("HEAD requests of the event stream hold no place: a GET after 25 of them still streams", async () => {
  // Hono answers HEAD by running the GET handler and dropping its body unread: a stream built for it was never
  // cancelled, so its place (and its subscription, its timers) stayed taken until the server stopped.
  const server = await startApiServer();
  const headers = { authorization: `Bearer ${server.tokens.viewer}` };
  try {
    for (let i = 0; i < 25; i++) {
      const head = await fetch(`${server.url}/api/v1/events`, { method: "HEAD", headers });
      assertEquals(head.status, 200);
      assertEquals(head.headers.get("content-type"), "text/event-stream; charset=utf-8");
      await head.body?.cancel();
    }
    const res = await fetch(`${server.url}/api/v1/events`, { headers });
    assertEquals(res.status, 200);
    await res.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("two tokens that share a name each hold their own 20 event streams", async () => {
  const server = await startApiServer();
  const open: Response[] = [];
  try {
    const made = await Promise.all(
      [1, 2].map(() =>
        server.json("/api/v1/tokens", { method: "POST", body: { name: "dash", role: "viewer" } })
      ),
    );
    const [first, second] = made.map((m) => m.body.token as string);
    const stream = (token: string) =>
      fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 20; i++) {
      const res = await stream(first!);
      assertEquals(res.status, 200);
      open.push(res);
    }
    assertEquals((await stream(first!)).status, 429);
    const other = await stream(second!);
    assertEquals(other.status, 200, "a token of the same name is another credential");
    open.push(other);
  } finally {
    for (const res of open) await res.body?.cancel();
    await server.close();
  }
});
