/**
 * A careless or hostile client sends a WebSocket upgrade to /ocpp/{id} with a missing or malformed
 * Sec-WebSocket-Key, or a protocol version nobody speaks (RFC 6455 §4.2.1). On both listeners it gets a 4xx
 * with our JSON body before anything is decided about the station: the Deno listener used to answer 500 (and
 * log an error: `Deno.upgradeWebSocket` throws), the node listener a text/html 400 from `ws`, after the route
 * had already accepted. A well-formed upgrade on the same server still opens.
 */
import { assert, assertEquals } from "@std/assert";
import { startTestServer } from "./helpers/server.ts";
import { readUntil, upgradeHead } from "./helpers/raw_upgrade.ts";

/** The whole answer to an upgrade of `path` carrying `headers` (a refusal is sent with Connection: close). */
async function answerTo(
  port: number,
  headers: string[],
  path = "/ocpp/CP-HANDSHAKE",
): Promise<{ status: number; head: string; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Protocol: ocpp1.6",
      ...headers,
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(request));
    const text = await readUntil(conn, answered);
    const [head = "", body = ""] = text.split("\r\n\r\n");
    return { status: Number(head.split(" ")[1]), head, body };
  } finally {
    conn.close();
  }
}

/** The head has arrived and either opened the socket (101) or been followed by its Content-Length of body. */
function answered(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const head = text.slice(0, end);
  if (head.startsWith("HTTP/1.1 101")) return true;
  const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  return text.length - end - 4 >= length;
}

const GOOD_KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

for (const transport of ["node", "deno"]) {
  Deno.test(`a malformed WebSocket handshake gets a JSON 4xx, not a 500 (HTTP_SERVER=${transport})`, async () => {
    const server = await startTestServer({ HTTP_SERVER: transport, PING_INTERVAL_S: "0" });
    try {
      const cases: { name: string; headers: string[]; status: number }[] = [
        { name: "no key", headers: ["Sec-WebSocket-Version: 13"], status: 400 },
        {
          name: "short key",
          headers: ["Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: short"],
          status: 400,
        },
        {
          name: "key of 15 bytes",
          headers: ["Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA"],
          status: 400,
        },
        { name: "no version", headers: [GOOD_KEY], status: 426 },
        { name: "version 99", headers: ["Sec-WebSocket-Version: 99", GOOD_KEY], status: 426 },
      ];
      for (const { name, headers, status } of cases) {
        const answer = await answerTo(server.port, headers);
        assertEquals(answer.status, status, `${name}: ${answer.head}`);
        assert(/content-type: application\/json/i.test(answer.head), `${name}: ${answer.head}`);
        assertEquals(JSON.parse(answer.body).error, "handshake_refused", `${name}: ${answer.body}`);
        if (status === 426) assert(/sec-websocket-version: 13/i.test(answer.head), answer.head);
      }
      assertEquals(server.logs.filter((line) => line.level === "error"), []);
      // The station itself, with a well-formed handshake, still gets in.
      const { conn, head } = await upgradeHead(server.port, "CP-HANDSHAKE", "ocpp1.6");
      conn.close();
      assert(head.startsWith("HTTP/1.1 101"), head);
    } finally {
      await server.close();
    }
  });
}

// The Deno listener routes the path as sent: a station "." or ".." connected, and no HTTP client can name it
// in /api/v1/charge-points/{id} (URLs drop dot segments), so it could not be managed. (The node listener's
// URL parsing already drops them before routing.)
Deno.test("a charge point id that is a URL dot segment is refused (HTTP_SERVER=deno)", async () => {
  const server = await startTestServer({ HTTP_SERVER: "deno", PING_INTERVAL_S: "0" });
  try {
    for (const id of [".", ".."]) {
      const answer = await answerTo(server.port, ["Sec-WebSocket-Version: 13", GOOD_KEY], `/ocpp/${id}`);
      assertEquals(answer.status, 400, `${id}: ${answer.head}`);
      assertEquals(JSON.parse(answer.body).error, "handshake_refused");
    }
  } finally {
    await server.close();
  }
});
