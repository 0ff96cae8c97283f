/**
 * Sec-WebSocket-Protocol is an HTTP list: empty and repeated entries are allowed (RFC 9110 §5.6.1). The route
 * read "ocpp1.6," as an offer of ocpp1.6 and accepted it, and then npm `ws` (the default transport) refused
 * the same header with a 400 of its own, counted as accepted and missing from the handshake log (WebSocket
 * QA). Both transports now answer 101 with the subprotocol agreed.
 */
import { assert } from "@std/assert";
import { upgradeHead } from "./helpers/raw_upgrade.ts";
import { startTestServer } from "./helpers/server.ts";

for (const transport of ["node", "deno"]) {
  Deno.test(`${transport}: an offer with empty or repeated entries agrees on the subprotocol it names`, async () => {
    const server = await startTestServer({ PING_INTERVAL_S: "0", HTTP_SERVER: transport });
    try {
      for (const offer of ["ocpp1.6,", "ocpp1.6, ocpp1.6", ", ocpp1.6", "ocpp1.6,,x"]) {
        const { conn, head } = await upgradeHead(server.port, "CP-LIST", offer);
        conn.close();
        assert(head.startsWith("HTTP/1.1 101"), `${offer}: ${head}`);
        assert(/\r\nsec-websocket-protocol: ocpp1\.6\r\n/i.test(head), `${offer}: ${head}`);
      }
    } finally {
      await server.close();
    }
  });
}
