/**
 * A frame that only says it is huge, as an anonymous attacker sends it: the header of a 60 MB text frame and
 * a few bytes. The socket must close with 1009 as soon as the header is read, not once 60 MB are held in
 * memory (the `ws` transport took up to 64 MiB per socket before the size limits applied: 40 such sockets
 * held 2 GB and stalled the other stations for seconds).
 */
import { assert, assertEquals } from "@std/assert";
import { startTestServer } from "./helpers/server.ts";

/** Upgrades a raw TCP connection to /ocpp/{id}; resolves once the 101 has been read. */
async function rawUpgrade(port: number, id: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = [
    `GET /ocpp/${id} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Protocol: ocpp1.6",
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(request));
  const head = await readUntil(conn, (text) => text.includes("\r\n\r\n"));
  assert(head.startsWith("HTTP/1.1 101"), head);
  return conn;
}

async function readUntil(conn: Deno.TcpConn, done: (text: string) => boolean): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!done(text)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder("latin1").decode(buffer.subarray(0, n));
  }
  return text;
}

/** A masked text frame header declaring `length` bytes, and `sent` of them. */
function declaredFrame(length: number, sent: number): Uint8Array {
  const header = new Uint8Array(14 + sent);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(length));
  header.set([1, 2, 3, 4], 10);
  header.fill(0x41, 14);
  return header;
}

Deno.test("a frame declaring 60 MB is closed with 1009 at once, before it arrives", async () => {
  // The node transport (the default): Deno's own WebSocket has no limit to set below its 64 MiB.
  const server = await startTestServer({ PING_INTERVAL_S: "0", HTTP_SERVER: "node" });
  const conn = await rawUpgrade(server.port, "CP-HUGE");
  try {
    await conn.write(declaredFrame(60_000_000, 64));
    const bytes = new Uint8Array(64);
    const read = await Promise.race([
      conn.read(bytes),
      new Promise<"waiting">((r) => setTimeout(() => r("waiting"), 5_000)),
    ]);
    assert(read !== "waiting", "the server still waits for the rest of the 60 MB frame");
    assert(read !== null && read >= 4, `closed without a close frame (${read})`);
    assertEquals(bytes[0], 0x88, "a close frame");
    assertEquals(new DataView(bytes.buffer).getUint16(2), 1009);
  } finally {
    conn.close();
    await server.close();
  }
});
