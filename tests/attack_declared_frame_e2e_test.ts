/**
 * A frame that only says it is huge, as an anonymous attacker sends it: the header of a 60 MB text frame and
 * a few bytes. The socket must close with 1009 as soon as the header is read, not once 60 MB are held in
 * memory (the `ws` transport took up to 64 MiB per socket before the size limits applied: 40 such sockets
 * held 2 GB and stalled the other stations for seconds).
 */
import { assert, assertEquals } from "@std/assert";
import { rawUpgrade } from "./helpers/raw_upgrade.ts";
import { startTestServer } from "./helpers/server.ts";

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
