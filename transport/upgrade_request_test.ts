import { assertEquals } from "@std/assert";
import type { IncomingMessage } from "node:http";
import { toRequest } from "./node_fetch.ts";
import { isStationUpgrade, upgradeRequest } from "./upgrade_request.ts";

function incoming(url: string, raw: string[], method = "GET"): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] ??= raw[i + 1]!;
  return { url, method, rawHeaders: raw, headers } as unknown as IncomingMessage;
}

const STATION = [
  "Host",
  "csms.example:9000",
  "Connection",
  "Upgrade",
  "Upgrade",
  "websocket",
  "Sec-WebSocket-Protocol",
  "ocpp2.0.1, ocpp1.6",
  "Sec-WebSocket-Key",
  "dGhlIHNhbXBsZSBub25jZQ==",
  "Authorization",
  "Basic Q1AtMTpzZWNyZXQ=",
  "X-Forwarded-For",
  "10.0.0.1",
  "x-forwarded-for",
  "10.0.0.2",
  "Sec-WebSocket-Protocol",
  "ocpp1.5",
  "Authorization",
  "Basic b3RoZXI6b3RoZXI=",
];

Deno.test("upgradeRequest() reads as toRequest()'s Request: url, method, every header (repeated ones joined), none else", () => {
  for (
    const url of ["/ocpp/CP-1", "/ocpp/CP%201?x=1", "/ocpp/./CP-1", "/ocpp/a/../CP-2", "/ocpp/CP-1#frag"]
  ) {
    for (const scheme of ["http", "https"] as const) {
      const req = incoming(url, STATION);
      const light = upgradeRequest(req, scheme);
      const full = toRequest(req, scheme);
      assertEquals(light.url, full.url);
      assertEquals(light.method, full.method);
      assertEquals(light.body, null);
      for (const name of ["sec-websocket-protocol", "Authorization", "x-forwarded-for", "HOST", "x-absent"]) {
        assertEquals(light.headers.get(name), full.headers.get(name), name);
        assertEquals(light.headers.has(name), full.headers.has(name), name);
      }
      assertEquals([...light.headers], [...full.headers]);
      const seen: string[] = [];
      light.headers.forEach((value, name) => seen.push(`${name}=${value}`));
      const expected: string[] = [];
      full.headers.forEach((value, name) => expected.push(`${name}=${value}`));
      assertEquals(seen, expected);
    }
  }
});

Deno.test("isStationUpgrade() takes GET /ocpp/... only; other upgrades get the runtime's Request", () => {
  assertEquals(isStationUpgrade(incoming("/ocpp/CP-1", [])), true);
  assertEquals(isStationUpgrade(incoming("/ocpp/", [])), true);
  assertEquals(isStationUpgrade(incoming("/ocpp", [])), false);
  assertEquals(isStationUpgrade(incoming("/api/v1/stations", [])), false);
  assertEquals(isStationUpgrade(incoming("http://host/ocpp/CP-1", [])), false);
  assertEquals(isStationUpgrade(incoming("/ocpp/CP-1", [], "POST")), false);
});
