import { assertEquals } from "@std/assert";
import { Buffer } from "node:buffer";
import { Sender } from "ws";
import { textFrame } from "./station_sockets.ts";

/** The frame ws's own send writes for `text` (header and payload), in one buffer. */
function wsFrame(text: string): Buffer {
  const frame = (Sender as unknown as {
    frame(data: string, options: Record<string, unknown>): Array<Buffer | string>;
  }).frame;
  const parts = frame(text, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
}

Deno.test("textFrame() is the frame ws writes for a text message, at each payload length encoding (7, 16, 64 bits)", () => {
  for (const bytes of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
    const ascii = "a".repeat(bytes);
    assertEquals(new Uint8Array(textFrame(ascii)), new Uint8Array(wsFrame(ascii)), `${bytes} bytes`);
    // Multi-byte characters: the length is in bytes, not in UTF-16 units.
    const mixed = "é€😀".repeat(Math.ceil(bytes / 9));
    assertEquals(new Uint8Array(textFrame(mixed)), new Uint8Array(wsFrame(mixed)), `${mixed.length} units`);
  }
});
