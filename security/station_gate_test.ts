import { assert, assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { StationSecurityStore } from "../store/station_security.ts";
import { parseIpList } from "./ip_list.ts";
import { SecurityEventLog } from "./security_events.ts";
import { commonName, hashAuthorizationKey, StationGate } from "./station_gate.ts";
import { MemoryAuthBackoff } from "./auth_backoff.ts";
import { openKvStationSecurityStore } from "../store/kv/station_security.ts";

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
      pendingKeyTtlMs: 3_600_000,
    },
  });
  const request = new Request("http://127.0.0.1/ocpp/CP-1", {
    headers: { authorization: `Basic ${btoa("CP-1:wrong-key-0123456789")}` },
  });
  const verdict = await gate.check(request, "127.0.0.1", "CP-1");
  assertEquals(verdict.ok ? null : [verdict.status, verdict.headers?.["retry-after"]], [503, "10"]);
  assertEquals(logger.lines.map((l) => l.msg).includes("station auth back-off unavailable"), true);
});

Deno.test("StationGate: a pending key lets the station in until its TTL, then it is refused as expired, never made the key", async () => {
  const logger = createMemoryLogger();
  let at = Date.parse("2026-05-01T10:00:00.000Z");
  const now = () => new Date(at);
  const store = await openKvStationSecurityStore(":memory:");
  const events = new SecurityEventLog(logger, now);
  try {
    const hour = 3_600_000;
    const record = {
      chargePointId: "CP-1",
      securityProfile: 1 as const,
      authorizationKeyHash: await hashAuthorizationKey("the-current-key-0001"),
      pendingAuthorizationKeys: [
        { hash: await hashAuthorizationKey("first-pending-key-01"), since: "2026-05-01T09:00:00.000Z" },
        { hash: await hashAuthorizationKey("later-pending-key-02"), since: "2026-05-01T10:00:00.000Z" },
      ],
      allowedIps: [],
      updatedBy: "user:root",
      createdAt: "2026-05-01T09:00:00.000Z",
      updatedAt: "2026-05-01T10:00:00.000Z",
    };
    await store.put(record);
    const gate = new StationGate({
      store,
      backoff: new MemoryAuthBackoff({ freeFailures: 100, baseMs: 1000, maxMs: 60_000 }),
      events,
      logger,
      now,
      settings: {
        defaultProfile: 1,
        trustedProxies: parseIpList([]),
        allowedIps: parseIpList([]),
        clientCertVerifyHeader: "x-ssl-client-verify",
        clientCertDnHeader: "x-ssl-client-s-dn",
        pendingKeyTtlMs: 2 * hour,
      },
    });
    const check = (key: string) =>
      gate.check(
        new Request("http://127.0.0.1/ocpp/CP-1", {
          headers: { authorization: `Basic ${btoa(`CP-1:${key}`)}` },
        }),
        "127.0.0.1",
        "CP-1",
      );
    // 10:59:59.999, the last moment of the first key (pending since 09:00): taken, it is the key.
    at = Date.parse("2026-05-01T10:59:59.999Z");
    assertEquals((await check("first-pending-key-01")).ok, true);
    assertEquals((await store.get("CP-1"))?.authorizationKeyHash, record.pendingAuthorizationKeys[0]!.hash);
    // The same record at 11:00: the first is over, the later one is not.
    await store.put(record);
    at = Date.parse("2026-05-01T11:00:00.000Z");
    const expired = await check("first-pending-key-01");
    assert(!expired.ok);
    assertEquals([
      expired.status,
      expired.reason.startsWith("AuthorizationKey sent to the station but not confirmed"),
    ], [
      401,
      true,
    ]);
    assertEquals(
      expired.told,
      "Wrong charge point id or AuthorizationKey",
      "the station hears what a wrong key hears",
    );
    assertEquals((await store.get("CP-1"))?.authorizationKeyHash, record.authorizationKeyHash);
    const wrong = await check("not-any-key-at-all-03");
    assertEquals(wrong.ok ? null : wrong.reason, "Wrong AuthorizationKey");
    assertEquals((await check("the-current-key-0001")).ok, true);
    // 11:59:59.999: the later one is still live, and its handshake makes it the key (the first, sent before
    // it, is over).
    at = Date.parse("2026-05-01T11:59:59.999Z");
    assertEquals((await check("later-pending-key-02")).ok, true);
    const settled = await store.get("CP-1");
    assertEquals(settled?.authorizationKeyHash, record.pendingAuthorizationKeys[1]!.hash);
    assertEquals(settled?.pendingAuthorizationKeys, undefined);
    // The operator learns that the station took the key that expired (the station was not told).
    const failed = (await events.page({ limit: 10, kind: "station_auth_failed" })).items.map((e) => e.reason);
    assertEquals(failed, ["Wrong AuthorizationKey", expired.reason]);
  } finally {
    await events.close();
    await store.close();
  }
});

Deno.test("StationGate: a profile 3 station's certificate forwarded by the trusted proxy comes with the verdict, decoded", async () => {
  const logger = createMemoryLogger();
  const now = () => new Date("2026-05-01T10:00:00.000Z");
  const gate = new StationGate({
    store: { get: () => Promise.resolve(null) } as unknown as StationSecurityStore,
    backoff: new MemoryAuthBackoff({ freeFailures: 100, baseMs: 1000, maxMs: 60_000 }),
    events: new SecurityEventLog(logger, now),
    logger,
    now,
    settings: {
      defaultProfile: 3,
      trustedProxies: parseIpList(["127.0.0.1"]),
      allowedIps: parseIpList([]),
      clientCertVerifyHeader: "x-ssl-client-verify",
      clientCertDnHeader: "x-ssl-client-s-dn",
      clientCertHeader: "x-ssl-client-cert",
      pendingKeyTtlMs: 3_600_000,
    },
  });
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB+z==\n-----END CERTIFICATE-----\n";
  const request = (headers: Record<string, string>) =>
    new Request("http://127.0.0.1/ocpp/CP-1", {
      headers: {
        "x-forwarded-proto": "https",
        "x-ssl-client-verify": "SUCCESS",
        "x-ssl-client-s-dn": "CN=CP-1",
        ...headers,
      },
    });
  const forwarded = await gate.check(
    request({ "x-ssl-client-cert": encodeURIComponent(pem) }),
    "127.0.0.1",
    "CP-1",
  );
  assert(forwarded.ok);
  assertEquals(forwarded.clientCertificate, pem);
  const without = await gate.check(request({}), "127.0.0.1", "CP-1");
  assert(without.ok);
  assertEquals(without.clientCertificate, undefined);
  const garbage = await gate.check(request({ "x-ssl-client-cert": "%E0%A4%A" }), "127.0.0.1", "CP-1");
  assert(garbage.ok, "a header that is no certificate does not change the verdict");
  assertEquals(garbage.clientCertificate, undefined);
  // Not through the trusted proxy: refused before any header is believed.
  const direct = await gate.check(
    request({ "x-ssl-client-cert": encodeURIComponent(pem) }),
    "10.0.0.9",
    "CP-1",
  );
  assertEquals(direct.ok, false);
});

Deno.test("StationGate: a profile 0 station raising to 1 is raised by its right key, never by a source in back-off", async () => {
  const logger = createMemoryLogger();
  let at = Date.parse("2026-05-01T10:00:00.000Z");
  const now = () => new Date(at);
  const store = await openKvStationSecurityStore(":memory:");
  try {
    await store.put({
      chargePointId: "CP-1",
      securityProfile: 0,
      authorizationKeyHash: await hashAuthorizationKey("the-current-key-0001"),
      pendingSecurityProfile: { profile: 1, since: "2026-05-01T09:59:00.000Z" },
      allowedIps: [],
      updatedBy: "user:root",
      createdAt: "2026-05-01T09:00:00.000Z",
      updatedAt: "2026-05-01T09:59:00.000Z",
    });
    const gate = new StationGate({
      store,
      backoff: new MemoryAuthBackoff({ freeFailures: 0, baseMs: 60_000, maxMs: 60_000 }),
      events: new SecurityEventLog(logger, now),
      logger,
      now,
      settings: {
        defaultProfile: 1,
        trustedProxies: parseIpList([]),
        allowedIps: parseIpList([]),
        clientCertVerifyHeader: "x-ssl-client-verify",
        clientCertDnHeader: "x-ssl-client-s-dn",
        pendingKeyTtlMs: 3_600_000,
      },
    });
    const profileWith = async (key: string) => {
      const request = new Request("http://127.0.0.1/ocpp/CP-1", {
        headers: { authorization: `Basic ${btoa(`CP-1:${key}`)}` },
      });
      const verdict = await gate.check(request, "127.0.0.1", "CP-1");
      return verdict.ok ? verdict.profile : verdict.status;
    };
    // Profile 0 lets a wrong key in all the same, but it was a guess: the source now waits.
    assertEquals(await profileWith("a-wrong-guess-000001"), 0);
    assertEquals(await profileWith("the-current-key-0001"), 0, "not heard while it waits");
    assertEquals((await store.get("CP-1"))?.securityProfile, 0);
    at += 61_000;
    assertEquals(await profileWith("the-current-key-0001"), 1);
    const raised = await store.get("CP-1");
    assertEquals([raised?.securityProfile, raised?.pendingSecurityProfile, raised?.updatedBy], [
      1,
      undefined,
      "station",
    ]);
    assertEquals(await profileWith("a-wrong-guess-000001"), 401, "profile 0 is over");
  } finally {
    await store.close();
  }
});
