/**
 * A WebSocket message begun and never finished, as an attacker holds it: a non-final fragment of a few MB,
 * then only pongs to our pings. A frame stalled half-way cannot carry a pong, so the ping timeout ends it;
 * between fragments a pong can come, and each kept the socket alive while `ws` held the fragments: 36 such
 * sockets held 215 MB for as long as they liked. A pong does not keep alive a peer whose message is still
 * unfinished after a whole ping interval (node listener; Deno's own WebSocket has no such hook).
 */
import { assert } from "@std/assert";
import { rawUpgrade } from "./helpers/raw_upgrade.ts";
import { startTestServer } from "./helpers/server.ts";

/** A masked text frame of `length` spaces; `fin` false: the first fragment of a longer message. */
function textFrame(length: number, fin: boolean): Uint8Array {
  const frame = new Uint8Array(14 + length);
  frame[0] = (fin ? 0x80 : 0) | 0x1;
  frame[1] = 0x80 | 127;
  new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  frame.fill(0x20, 14); // Masked with a zero key: the bytes as they are.
  return frame;
}

const PONG = new Uint8Array([0x8a, 0x80, 0, 0, 0, 0]);

/** Answers every ping on `conn` with a pong until the server closes it; resolves then, with pings answered. */
async function answerPings(conn: Deno.TcpConn): Promise<number> {
  const buffer = new Uint8Array(4096);
  let pending: number[] = [];
  let pongs = 0;
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return pongs;
      pending = pending.concat(Array.from(buffer.subarray(0, n)));
      // The server's frames are unmasked and short: opcode byte, length byte, payload.
      while (pending.length >= 2 && pending.length >= 2 + (pending[1]! & 0x7f)) {
        const [opcode, length] = [pending[0]! & 0x0f, pending[1]! & 0x7f];
        pending = pending.slice(2 + length);
        if (opcode === 0x9) {
          await conn.write(PONG);
          pongs++;
        }
        if (opcode === 0x8) return pongs;
      }
    }
  } catch {
    return pongs;
  }
}

Deno.test("a message left unfinished while its peer answers every ping is ended by the ping timeout", async () => {
  const server = await startTestServer({ HTTP_SERVER: "node", PING_INTERVAL_S: "1" });
  const attacker = await rawUpgrade(server.port, "CP-UNFINISHED");
  const idle = await rawUpgrade(server.port, "CP-IDLE");
  try {
    await attacker.write(textFrame(1_000_000, false));
    const started = performance.now();
    const ended = answerPings(attacker);
    const idleAnswers = answerPings(idle);
    const outcome = await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 8000, "open"))]);
    assert(outcome !== "open", "the unfinished message's socket is still open after 8 s of pongs");
    const tookMs = performance.now() - started;
    // Pinged once a second: ended at the second or third ping, not kept for ever by its pongs.
    assert(tookMs < 4500, `ended after ${Math.round(tookMs)} ms`);
    // A peer that answers its pings and owes nothing stays.
    const stillIdle = await Promise.race([
      idleAnswers,
      new Promise((resolve) => setTimeout(resolve, 500, "open")),
    ]);
    assert(stillIdle === "open", "the idle socket was closed too");
  } finally {
    attacker.close();
    try {
      idle.close();
    } catch {
      // Closed by the server.
    }
    await server.close();
  }
});
