import { assertEquals } from "@std/assert";
import { connectFailure } from "./load_generator.ts";

Deno.test("connectFailure() keeps the runtime's reason for a WebSocket that failed before it opened", () => {
  const event = new ErrorEvent("error", {
    message: "NetworkError: failed to connect to WebSocket: connection error",
  });
  assertEquals(
    connectFailure(event),
    "Connect failed: NetworkError: failed to connect to WebSocket: connection error",
  );
  assertEquals(connectFailure(new Event("error")), "Connect failed");
});

Deno.test("a station refused with an HTTP status fails with that status in its error", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(
      new TextEncoder().encode("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"),
    );
    conn.close();
  })();
  const ws = new WebSocket(`ws://127.0.0.1:${listener.addr.port}/ocpp/CP-1`, "ocpp1.6");
  let error = "";
  ws.onerror = (event) => error = connectFailure(event);
  await new Promise((resolve) => ws.onclose = resolve);
  await served;
  assertEquals(
    error,
    "Connect failed: NetworkError: failed to connect to WebSocket: Invalid status code: 503",
  );
});
