import { assert, assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { createTransport, type FetchHandler } from "./listener.ts";

async function withListener(fetch: FetchHandler, run: (port: number) => Promise<void>) {
  const transport = createTransport("node", 0);
  const listener = await transport.listen({
    port: 0,
    hostname: "127.0.0.1",
    reusePort: false,
    tls: null,
    fetch,
    logger: createMemoryLogger(),
    onFailed: (error) => {
      throw error;
    },
  });
  try {
    await run(listener.port);
  } finally {
    await listener.shutdown();
  }
}

/** Sends `head` on a raw connection and reads until the server closes it. */
async function rawExchange(port: number, head: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(head));
  return await new Response(conn.readable).text();
}

Deno.test("node listener: the handler gets the runtime's Request with body, headers and the plain IPv4 peer; cookies stay apart", async () => {
  await withListener(async (request, info) => {
    const body = await request.text();
    const headers = new Headers({ "x-echo": `${request.method} ${new URL(request.url).pathname} ${body}` });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    headers.set("x-peer", (info.remoteAddr as Deno.NetAddr).hostname);
    headers.set("x-proto", request.headers.get("x-forwarded-proto") ?? "");
    return new Response("done", { status: 201, headers });
  }, async (port) => {
    const res = await fetch(`http://127.0.0.1:${port}/p/q?x=1`, {
      method: "POST",
      body: "hello",
      headers: { "x-forwarded-proto": "https" },
    });
    assertEquals(res.status, 201);
    assertEquals(await res.text(), "done");
    assertEquals(res.headers.get("x-echo"), "POST /p/q hello");
    assertEquals(res.headers.getSetCookie(), ["a=1", "b=2"]);
    assertEquals(res.headers.get("x-peer"), "127.0.0.1");
    assertEquals(res.headers.get("x-proto"), "https");
  });
});

Deno.test("node listener: headers past 64 KiB get 431 with a JSON error body; 30 KiB ones are served", async () => {
  await withListener(() => new Response("ok"), async (port) => {
    const served = await fetch(`http://127.0.0.1:${port}/`, { headers: { "x-big": "a".repeat(30 * 1024) } });
    assertEquals([served.status, await served.text()], [200, "ok"]);
    const answer = await rawExchange(
      port,
      `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(100 * 1024)}\r\n\r\n`,
    );
    assert(answer.startsWith("HTTP/1.1 431 "), answer.slice(0, 100));
    assert(answer.includes("content-type: application/json"), answer);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    assertEquals(body.error, "request_header_fields_too_large");
  });
});

Deno.test("node listener: a refused upgrade is the handler's response, written whole on the connection", async () => {
  await withListener(
    () =>
      new Response('{"error":"handshake_refused"}', {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="OCPP"', "content-type": "application/json" },
      }),
    async (port) => {
      const answer = await rawExchange(
        port,
        "GET /ocpp/CP-1 HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\n" +
          "sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      assert(answer.startsWith("HTTP/1.1 401 Unauthorized\r\n"), answer);
      assert(answer.includes('www-authenticate: Basic realm="OCPP"'), answer);
      assert(answer.endsWith('\r\n\r\n{"error":"handshake_refused"}'), answer);
    },
  );
});

Deno.test("node listener: a peer that leaves while the route decides closes the accepted socket (its slot comes back)", async () => {
  const transport = createTransport("node", 0);
  let peerGone!: () => void;
  const gone = new Promise<void>((resolve) => (peerGone = resolve));
  let closed!: () => void;
  const closedHeard = new Promise<void>((resolve) => (closed = resolve));
  const listener = await transport.listen({
    port: 0,
    hostname: "127.0.0.1",
    reusePort: false,
    tls: null,
    // As the /ocpp route with a security check that awaits a store: the peer leaves meanwhile.
    fetch: async (request) => {
      await gone;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { socket, response } = transport.upgrader!.upgrade(request, null);
      socket.addEventListener("close", () => closed());
      return response;
    },
    logger: createMemoryLogger(),
    onFailed: (error) => {
      throw error;
    },
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    await conn.write(new TextEncoder().encode(
      "GET /ocpp/CP-1 HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\n" +
        "sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    ));
    await new Promise((resolve) => setTimeout(resolve, 50));
    conn.close();
    peerGone();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      closedHeard.then(() => "closed"),
      new Promise((resolve) => (timer = setTimeout(() => resolve("never closed"), 2000))),
    ]);
    clearTimeout(timer);
    assertEquals(outcome, "closed");
  } finally {
    await listener.shutdown();
  }
});
