/**
 * The node listener's cap on a source's unread connections (UNREAD_REQUESTS_PER_SOURCE) counts a kept-alive
 * connection as unread again once its answer is sent (b0f3779). A client that pipelines (sends its next
 * request before the answer to the one before) had its connection counted unread twice over: the first
 * answer's count, slow by the time the second answer went (taking a place of the cap), was overwritten by the
 * second's and its place never given back. Each such connection took one of its source's places for the
 * process's life: with the cap spent, the source's idle kept-alive connections (and slow handshakes) were all
 * closed after SLOW_AFTER_MS. Real TCP from a loopback address of its own, HTTP_SERVER=node.
 */
import net from "node:net";
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";

const CLIENT = "127.0.0.4";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("a pipelining client's kept-alive connection does not spend its source's unread cap for good", async () => {
  const server = await startApiServer({
    HTTP_SERVER: "node",
    UNREAD_REQUESTS_PER_SOURCE: "1",
    HEADERS_TIMEOUT_S: "30",
  });
  const socket = net.connect({ host: "127.0.0.1", port: server.port, localAddress: CLIENT });
  let heard = "";
  let open = true;
  socket.on("data", (chunk: Buffer) => (heard += chunk.toString()));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on("close", () => {
      open = false;
      resolve();
    })
  );
  try {
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const body = JSON.stringify({ username: "nobody", password: "not-a-password" });
    // Two requests at once, the second's body slow: the first is answered while the second is being read.
    socket.write(
      "GET /healthz HTTP/1.1\r\nHost: csms\r\n\r\n" +
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: csms\r\ncontent-type: application/json\r\n" +
        `content-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await sleep(3500);
    socket.write(body.slice(5));
    const answered = performance.now();
    while (heard.split("HTTP/1.1 ").length - 1 < 2 && performance.now() - answered < 5000) await sleep(50);
    assertEquals(heard.split("HTTP/1.1 ").length - 1, 2, heard);
    // Idle and kept alive: one unread connection of its source, within its cap of 1, until the headers timeout.
    await sleep(4000);
    assertEquals(open, true, "closed as over its source's cap");
  } finally {
    socket.destroy();
    await closed;
    await server.close();
  }
});
