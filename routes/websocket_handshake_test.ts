import { assertEquals } from "@std/assert";
import { handshakeFault } from "./websocket_handshake.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

Deno.test("handshakeFault() passes a base64 key of 16 bytes with version 13 or 8", () => {
  assertEquals(handshakeFault({ key: KEY, version: "13" }), null);
  assertEquals(handshakeFault({ key: ` ${KEY} `, version: "8" }), null);
});

Deno.test("handshakeFault() refuses a missing or malformed key with 400", () => {
  for (const key of [null, "", "short", "AAAAAAAAAAAAAAAAAAAA", `${KEY}=`, "dGhlIHNhbXBsZSBub25jZQ!="]) {
    assertEquals(handshakeFault({ key, version: "13" })?.status, 400, String(key));
  }
});

Deno.test("handshakeFault() answers a missing or unknown version with 426 and the versions it speaks", () => {
  for (const version of [null, "", "99", "13, 8"]) {
    const fault = handshakeFault({ key: KEY, version });
    assertEquals(fault?.status, 426, String(version));
    assertEquals(fault?.headers, { "sec-websocket-version": "13, 8" });
  }
});
