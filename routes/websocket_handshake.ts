/**
 * The parts of a WebSocket opening handshake that only the WebSocket layer reads (RFC 6455 §4.2.1), checked
 * before the route decides anything: `ws` (HTTP_SERVER=node) would refuse them after the route accepted, with
 * a text/html 400 of its own, and `Deno.upgradeWebSocket` (HTTP_SERVER=deno) throws on a missing key (a 500)
 * and lets a malformed key or an unknown version through.
 *
 * @example
 * ```ts
 * handshakeFault({ key: "dGhlIHNhbXBsZSBub25jZQ==", version: "13" }); // null
 * handshakeFault({ key: null, version: "13" }); // { status: 400, reason: "Sec-WebSocket-Key ..." }
 * ```
 */

/** The versions we complete: 13 (RFC 6455), and 8, which `ws` also speaks. */
const VERSIONS = ["13", "8"];

/** RFC 6455 §4.1: the key is 16 random bytes, base64: 22 characters and "==". */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

export interface HandshakeFault {
  status: 400 | 426;
  reason: string;
  headers: Record<string, string>;
}

/** What is wrong with the handshake's key or version, or null when both are well-formed. */
export function handshakeFault(
  handshake: { key: string | null; version: string | null },
): HandshakeFault | null {
  const version = handshake.version?.trim() ?? null;
  if (version === null || !VERSIONS.includes(version)) {
    // RFC 6455 §4.2.2: an unsupported version is answered 426 with the versions we speak.
    return {
      status: 426,
      reason: `Sec-WebSocket-Version ${
        version === null ? "is missing" : `${JSON.stringify(version.slice(0, 20))} is not supported`
      }; use 13`,
      headers: { "sec-websocket-version": VERSIONS.join(", ") },
    };
  }
  const key = handshake.key?.trim() ?? null;
  if (key === null || !KEY.test(key)) {
    return {
      status: 400,
      reason: `Sec-WebSocket-Key ${key === null ? "is missing" : "is not 16 bytes in base64"}`,
      headers: {},
    };
  }
  return null;
}
