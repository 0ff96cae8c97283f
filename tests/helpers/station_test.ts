/** The raw-socket helper itself: a `next()` that timed out does not swallow the frame that comes after it. */
import { assertEquals, assertRejects } from "@std/assert";
import { openRaw } from "./station.ts";

Deno.test("openRaw().next() that timed out leaves the next frame to a later next()", async () => {
  let serverSocket!: WebSocket;
  const opened = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "ocpp1.6" });
    serverSocket = socket;
    socket.onopen = () => opened.resolve();
    return response;
  });
  const raw = await openRaw(`ws://127.0.0.1:${server.addr.port}/`);
  try {
    await opened.promise;
    await assertRejects(() => raw.next(50), Error, "No frame received");
    serverSocket.send(JSON.stringify([3, "after-the-timeout", {}]));
    assertEquals(await raw.next(5_000), [3, "after-the-timeout", {}]);
    // Two waiters, the first timed out: the frame goes to the second.
    const first = raw.next(50);
    const second = raw.next(5_000);
    await assertRejects(() => first, Error, "No frame received");
    serverSocket.send(JSON.stringify([3, "second", {}]));
    assertEquals(await second, [3, "second", {}]);
  } finally {
    await raw.close();
    await server.shutdown();
  }
});
