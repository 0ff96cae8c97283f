import { assert, assertEquals } from "@std/assert";
import {
  decodeListCursor,
  encodeListCursor,
  isHistorySequence,
  meterValueCursorId,
  parseMeterValueCursor,
} from "./list_cursor.ts";

const hex = (id: string) => /^[0-9a-f]+$/.test(id);

Deno.test("decodeListCursor() reads back what encodeListCursor() wrote", () => {
  const cursor = { at: "2024-05-01T10:00:00.000Z", id: "0a1b" };
  assertEquals(decodeListCursor(encodeListCursor(cursor), hex), cursor);
});

Deno.test("decodeListCursor() refuses a time not of toISOString()'s form, an impossible date and a bad id", () => {
  for (
    const text of [
      "",
      "0a1b",
      "2024-05-01T10:00:00Z_0a1b",
      "2024-05-01T10:00:00.000+00:00_0a1b",
      "2024-02-30T10:00:00.000Z_0a1b",
      "2024-05-01T10:00:00.000Z_",
      "2024-05-01T10:00:00.000Z_XYZ",
      "2024-05-01T10:00:00.000Z_0a_1b",
      "0000-01-01T00:00:00.000Z_0a1b",
    ]
  ) {
    assertEquals(decodeListCursor(text, hex), null, text);
  }
});

Deno.test("a meter value cursor names a sequence of either store and a position, read back as written", () => {
  const at = "2024-05-01T10:00:00.000Z";
  for (const seq of ["0lw2xq7b4.000000.0a1b2c3", "123456"]) {
    assert(isHistorySequence(seq));
    const text = encodeListCursor({ at, id: meterValueCursorId(seq, 3) });
    const cursor = decodeListCursor(text, (id) => parseMeterValueCursor({ at, id }) !== null);
    assertEquals(cursor && parseMeterValueCursor(cursor), { at, seq, position: 3 });
  }
  for (const id of ["1", "1-", "-1", "1-x", "A-1", "1-123456"]) {
    assertEquals(parseMeterValueCursor({ at, id }), null, id);
  }
});
