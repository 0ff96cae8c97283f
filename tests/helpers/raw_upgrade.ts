/** A WebSocket upgrade written by hand on a TCP connection: for what a client library will not send. */
import { assert } from "@std/assert";

/** Upgrades a raw TCP connection to /ocpp/{id}; resolves once the 101 has been read. */
export async function rawUpgrade(port: number, id: string): Promise<Deno.TcpConn> {
  const { conn, head } = await upgradeHead(port, id, "ocpp1.6");
  assert(head.startsWith("HTTP/1.1 101"), head);
  return conn;
}

/** Sends an upgrade offering `protocolHeader` as written; resolves with the answer's head and the connection. */
export async function upgradeHead(
  port: number,
  id: string,
  protocolHeader: string,
): Promise<{ conn: Deno.TcpConn; head: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = [
    `GET /ocpp/${id} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Protocol: ${protocolHeader}`,
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(request));
  return { conn, head: await readUntil(conn, (text) => text.includes("\r\n\r\n")) };
}

/** Reads from `conn` until `done` says the text so far is enough (or the peer closes). */
export async function readUntil(conn: Deno.TcpConn, done: (text: string) => boolean): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!done(text)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder("latin1").decode(buffer.subarray(0, n));
  }
  return text;
}
