import { assertEquals } from "@std/assert";
import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { StationSockets } from "./station_sockets.ts";

Deno.test("StationSockets: an accepted upgrade whose connection closed before it completes closes the station's socket", async () => {
  const sockets = new StationSockets(0);
  try {
    const request = new Request("http://127.0.0.1/ocpp/CP-1");
    const req = {
      method: "GET",
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    } as unknown as IncomingMessage;
    const connection = new PassThrough();
    sockets.expect(request, req, connection, Buffer.alloc(0));
    // The peer resets the connection while the route awaits its security check: "close" is heard by nobody.
    connection.destroy();
    await new Promise((resolve) => connection.once("close", resolve));
    const { socket } = sockets.upgrade(request, null);
    let closes = 0;
    socket.addEventListener("close", () => closes++);
    assertEquals(sockets.complete(request), true);
    assertEquals([closes, socket.readyState], [1, 3]);
  } finally {
    sockets.close();
  }
});
