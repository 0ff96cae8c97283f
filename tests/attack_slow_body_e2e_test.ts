/**
 * Request bodies as an attacker sends them, on real TCP sockets from loopback addresses (127.0.0.2 the attacker,
 * 127.0.0.3 an operator): a body trickled a byte now and then holds its connection as a slowloris does with
 * headers, so on the node listener it counts against UNREAD_REQUESTS_PER_SOURCE until it has arrived; and a
 * body its client cut short (closed or half-closed before its Content-Length) is the client's mistake on
 * either listener, never a 500 nor an error line in the log.
 */
import net from "node:net";
import { assert, assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { sample } from "./helpers/metrics.ts";

const ATTACKER = "127.0.0.2";
const GOOD = "127.0.0.3";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A login whose headers arrive whole and whose 16,000-byte body comes a byte every 500 ms. */
function tricklingLogin(port: number, from: string) {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: from });
  let open = true;
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on("close", () => {
      open = false;
      resolve();
    })
  );
  let drip: ReturnType<typeof setInterval> | undefined;
  socket.on("connect", () => {
    socket.write(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: csms\r\ncontent-type: application/json\r\n" +
        "content-length: 16000\r\n\r\n{",
    );
    drip = setInterval(() => socket.writable && socket.write(" "), 500);
  });
  return {
    closed,
    isOpen: () => open,
    end() {
      clearInterval(drip);
      socket.destroy();
    },
  };
}

Deno.test("bodies trickled a byte at a time from one address: past the cap closed once slow, others served", async () => {
  const server = await startApiServer({ HTTP_SERVER: "node", UNREAD_REQUESTS_PER_SOURCE: "5" });
  const operator = Deno.createHttpClient({ localAddress: GOOD });
  const slow = Array.from({ length: 30 }, () => tricklingLogin(server.port, ATTACKER));
  try {
    await sleep(500);
    assertEquals(slow.filter((s) => s.isOpen()).length, 30);
    await eventually(() => slow.filter((s) => s.isOpen()).length === 5, 4000, "5 trickling ones left");
    // Another address logs in promptly meanwhile.
    const started = performance.now();
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      client: operator,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    await login.body?.cancel();
    assertEquals(login.status, 200);
    assert(performance.now() - started < 1000, `login took ${Math.round(performance.now() - started)} ms`);
    const metrics = await (await server.api("/metrics", { as: "viewer" })).text();
    assertEquals(sample(metrics, "csms_connections_dropped_total", { reason: "unread_cap" }), 25);
  } finally {
    for (const s of slow) s.end();
    await Promise.all(slow.map((s) => s.closed));
    operator.close();
    await server.close();
  }
});

/** Sends `head` and the start of a body, then closes its sending side; what the server answered. */
function cutShort(port: number, path: string, contentType: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let heard = "";
    socket.on("data", (chunk: Buffer) => (heard += chunk.toString()));
    socket.on("error", () => {});
    socket.on("close", () => resolve(heard));
    socket.on("connect", () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
          `content-type: ${contentType}\r\ncontent-length: 100\r\n\r\n{"username":`,
      );
      socket.end();
    });
  });
}

for (const transport of ["node", "deno"]) {
  Deno.test(`a body cut short by its client is a 400, never a 500 nor an error in the log (HTTP_SERVER=${transport})`, async () => {
    const server = await startApiServer({ HTTP_SERVER: transport });
    try {
      const targets: [string, string][] = [
        ["/api/v1/auth/login", "application/json"],
        ["/login", "application/x-www-form-urlencoded"],
        ["/api/v1/id-tags", "application/json"],
      ];
      for (const [path, type] of targets) {
        const heard = await cutShort(server.port, path, type);
        // node:http drops a half-closed request itself: nothing to answer; Deno.serve still takes the answer.
        assert(heard === "" || heard.startsWith("HTTP/1.1 400"), `${path}: ${heard.slice(0, 80)}`);
        if (heard) assert(heard.includes('"incomplete_body"'), heard);
      }
      // The server noticed each (the handler ran, or would have) before the log is read.
      await sleep(300);
      assertEquals(server.logs.filter((l) => l.level === "error"), []);
      const health = await fetch(`${server.url}/healthz`);
      await health.body?.cancel();
      assertEquals(health.status, 200);
    } finally {
      await server.close();
    }
  });
}
