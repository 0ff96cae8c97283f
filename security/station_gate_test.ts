import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { StationSecurityStore } from "../store/station_security.ts";
import { parseIpList } from "./ip_list.ts";
import { SecurityEventLog } from "./security_events.ts";
import { commonName, StationGate } from "./station_gate.ts";

Deno.test("commonName() reads the CN of RFC 2253 and slash-form subject DNs", () => {
  assertEquals(commonName("CN=CP-1,O=Acme GmbH,C=DE"), "CP-1");
  assertEquals(commonName("/C=DE/O=Acme/CN=CP-1"), "CP-1");
  assertEquals(commonName("O=Acme\\, Inc,CN=CP\\,7"), "CP,7");
  assertEquals(commonName("cn=cp-lower"), "cp-lower");
  assertEquals(commonName("CP-RAW"), "CP-RAW");
  assertEquals(commonName("O=Acme"), null);
  assertEquals(commonName("CN=A,CN=B"), null);
  assertEquals(commonName(""), null);
});

Deno.test("StationGate: a back-off that cannot be reached (PostgreSQL in a cluster) refuses with 503, logged", async () => {
  const logger = createMemoryLogger();
  const now = () => new Date("2026-05-01T10:00:00.000Z");
  const unreachable = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
  const gate = new StationGate({
    store: { get: () => Promise.resolve(null) } as unknown as StationSecurityStore,
    backoff: { retryAfterMs: unreachable, attempt: unreachable, succeeded: unreachable },
    events: new SecurityEventLog(logger, now),
    logger,
    now,
    settings: {
      defaultProfile: 1,
      trustedProxies: parseIpList([]),
      allowedIps: parseIpList([]),
      clientCertVerifyHeader: "x-ssl-client-verify",
      clientCertDnHeader: "x-ssl-client-s-dn",
    },
  });
  const request = new Request("http://127.0.0.1/ocpp/CP-1", {
    headers: { authorization: `Basic ${btoa("CP-1:wrong-key-0123456789")}` },
  });
  const verdict = await gate.check(request, "127.0.0.1", "CP-1");
  assertEquals(verdict.ok ? null : [verdict.status, verdict.headers?.["retry-after"]], [503, "10"]);
  assertEquals(logger.lines.map((l) => l.msg).includes("station auth back-off unavailable"), true);
});
