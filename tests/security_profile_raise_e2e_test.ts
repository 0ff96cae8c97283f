/**
 * Raising a station's security profile the OCPP way (Security Whitepaper ed. 3, use case A05), as an admin and
 * a strict npm `ocpp-rpc` station do it: ChangeConfiguration SecurityProfile = N, the station answers, then
 * reconnects meeting N. Its first connection with N makes N its profile, and from then on a connection at the
 * old profile is refused (QA found the server never learnt of the raise: an impostor, or a downgraded station,
 * kept working at the lower profile). TLS (profile 2) and the client certificate (profile 3) come as a trusted
 * proxy forwards them (X-Forwarded-Proto, the verify and DN headers), as behind the nginx of the nginx tests.
 * On KV and on PostgreSQL.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { basic, connectSecureStation } from "./helpers/secure_station.ts";
import {
  handshake,
  raiseBackends,
  securityOf as security,
  TLS,
  withRaiseServer as withServer,
} from "./helpers/security_profile_raise.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const KEY = "s3cret-Authorization-Key-0001";
const OTHER_KEY = "another-key-with-16+chars";
/** What the trusted proxy tells of a client certificate it verified. */
const certificate = (cn: string) => ({
  ...TLS,
  "x-ssl-client-verify": "SUCCESS",
  "x-ssl-client-s-dn": `CN=${cn},O=Acme`,
});

/**
 * ChangeConfiguration SecurityProfile = `value`; `force` for a raise to 3 of a station holding a certificate of
 * another CA the proxy trusts (as here: the DN headers), not one of ours (see
 * security_profile_raise_certificate_e2e_test.ts).
 */
function changeProfile(server: ApiTestServer, id: string, value: string, force = false) {
  return server.json(`/api/v1/charge-points/${id}/ChangeConfiguration${force ? "?force=true" : ""}`, {
    method: "POST",
    body: { key: "SecurityProfile", value },
  });
}

/** A connected station that answers ChangeConfiguration with `answer.status` and counts what it was sent. */
function answering(station: Station, answer: { status: string }, sent: string[] = []) {
  station.handle("ChangeConfiguration", ({ params }: { params: { key: string; value: string } }) => {
    sent.push(`${params.key}=${params.value}`);
    return { status: answer.status };
  });
  return sent;
}

const BACKENDS = await raiseBackends("secprofile_raise");

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `${backend.name}: a station that accepts SecurityProfile 1 is profile 1 from its first connection with ` +
      "its key; a connection without one is refused from then on",
    ignore: backend.ignore,
    fn: () =>
      withServer(backend, async (server) => {
        await server.json("/api/v1/station-security/CP-UP1", {
          method: "PATCH",
          body: { securityProfile: 0, authorizationKey: KEY },
        });
        const station = await connectSecureStation(server.wsUrl, "CP-UP1");
        const sent = answering(station, { status: "Accepted" });
        try {
          const raised = await changeProfile(server, "CP-UP1", "1");
          assertEquals([raised.status, raised.body.status], [200, "Accepted"]);
          assertEquals(sent, ["SecurityProfile=1"]);
        } finally {
          await closeStation(station);
        }
        const pending = await security(server, "CP-UP1");
        assertEquals([pending.effectiveProfile, pending.pendingSecurityProfile?.profile], [0, 1]);
        // It may not have reconnected yet: profile 0 still lets it in, and that settles nothing.
        assertEquals(await handshake(server, "CP-UP1"), 101);
        assertEquals((await security(server, "CP-UP1")).pendingSecurityProfile?.profile, 1);
        // A wrong key meets nothing: let in at profile 0 as before, still pending.
        assertEquals(await handshake(server, "CP-UP1", basic("CP-UP1", OTHER_KEY)), 101);
        assertEquals((await security(server, "CP-UP1")).pendingSecurityProfile?.profile, 1);

        const again = await connectSecureStation(server.wsUrl, "CP-UP1", { password: KEY });
        try {
          assertEquals(typeof (await again.call("Heartbeat", {})).currentTime, "string");
        } finally {
          await closeStation(again);
        }
        await eventually(() => !server.registry.isConnected("CP-UP1"), 5000, "the station closed");
        const after = await security(server, "CP-UP1");
        assertEquals([after.securityProfile, after.effectiveProfile, after.pendingSecurityProfile], [
          1,
          1,
          null,
        ]);
        // The attack: profile 0 (an impostor, or the station downgraded) no longer gets in.
        assertEquals(await handshake(server, "CP-UP1"), 401);
        assertEquals(await handshake(server, "CP-UP1", basic("CP-UP1", OTHER_KEY)), 401);
        assertEquals(await handshake(server, "CP-UP1", basic("CP-UP1", KEY)), 101);
        await server.security.events.flush();
        const events = await server.json("/api/v1/security-events?chargePointId=CP-UP1", { as: "operator" });
        assert(
          events.body.items.some((e: { reason: string }) =>
            e.reason.startsWith("Security profile raised from 0 to 1")
          ),
          JSON.stringify(events.body.items),
        );
        assert(server.logs.some((l) => l.event === "security" && String(l.reason ?? "").includes("raised")));
      }),
  });

  Deno.test({
    name:
      `${backend.name}: raised 1 -> 2 -> 3 behind a trusted proxy, each lower profile is refused once the ` +
      "station connected with the higher one",
    ignore: backend.ignore,
    fn: () =>
      withServer(backend, async (server) => {
        await server.json("/api/v1/station-security/CP-UP", {
          method: "PATCH",
          body: { securityProfile: 1, authorizationKey: KEY },
        });
        const raise = async (
          headers: Record<string, string>,
          password: string | undefined,
          value: string,
        ) => {
          const station = await connectSecureStation(server.wsUrl, "CP-UP", {
            headers,
            ...(password ? { password } : {}),
          });
          answering(station, { status: "Accepted" });
          try {
            assertEquals(
              (await changeProfile(server, "CP-UP", value, value === "3")).body.status,
              "Accepted",
            );
          } finally {
            await closeStation(station);
          }
          await eventually(() => !server.registry.isConnected("CP-UP"), 5000, "the station closed");
        };
        await raise({}, KEY, "2");
        // Plain ws:// with the key still gets in until the station came back over TLS.
        assertEquals(await handshake(server, "CP-UP", basic("CP-UP", KEY)), 101);
        assertEquals((await security(server, "CP-UP")).effectiveProfile, 1);
        assertEquals(await handshake(server, "CP-UP", { ...TLS, ...basic("CP-UP", KEY) }), 101);
        const two = await security(server, "CP-UP");
        assertEquals([two.securityProfile, two.pendingSecurityProfile], [2, null]);
        assertEquals(await handshake(server, "CP-UP", basic("CP-UP", KEY)), 403, "profile 1 is over");

        await raise(TLS, KEY, "3");
        // A certificate for another id meets nothing; TLS with the key still gets in meanwhile.
        assertEquals(await handshake(server, "CP-UP", certificate("CP-OTHER")), 401);
        assertEquals(await handshake(server, "CP-UP", { ...TLS, ...basic("CP-UP", KEY) }), 101);
        assertEquals((await security(server, "CP-UP")).effectiveProfile, 2);
        const station = await connectSecureStation(server.wsUrl, "CP-UP", { headers: certificate("CP-UP") });
        await closeStation(station);
        const three = await security(server, "CP-UP");
        assertEquals([three.securityProfile, three.pendingSecurityProfile], [3, null]);
        assertEquals(
          await handshake(server, "CP-UP", { ...TLS, ...basic("CP-UP", KEY) }),
          403,
          "profile 2 is over",
        );
      }),
  });
}

Deno.test("a raise the station rejects changes nothing; a lower profile is refused before it is sent", async () => {
  const server = await startApiServer();
  try {
    await server.json("/api/v1/station-security/CP-NO", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const station = await connectSecureStation(server.wsUrl, "CP-NO", { password: KEY });
    const answer = { status: "Rejected" };
    const sent = answering(station, answer);
    try {
      const before = await security(server, "CP-NO");
      assertEquals((await changeProfile(server, "CP-NO", "2")).body.status, "Rejected");
      const after = await security(server, "CP-NO");
      assertEquals(
        [after.securityProfile, after.effectiveProfile, after.pendingSecurityProfile],
        [before.securityProfile, before.effectiveProfile, null],
      );
      answer.status = "NotSupported";
      assertEquals((await changeProfile(server, "CP-NO", "3", true)).body.status, "NotSupported");
      assertEquals((await security(server, "CP-NO")).pendingSecurityProfile, null);

      // Security Whitepaper A05: the station SHALL reject a lower profile; we do not send one.
      const lower = await changeProfile(server, "CP-NO", "0");
      assertEquals([lower.status, lower.body.details?.currentProfile], [409, 1]);
      const invalid = await changeProfile(server, "CP-NO", "4");
      assertEquals(invalid.status, 400);
      assertEquals(sent, ["SecurityProfile=2", "SecurityProfile=3"]);
      // The same profile is sent as it is, and nothing waits for it.
      answer.status = "Accepted";
      assertEquals((await changeProfile(server, "CP-NO", "1")).body.status, "Accepted");
      assertEquals((await security(server, "CP-NO")).pendingSecurityProfile, null);
    } finally {
      await closeStation(station);
    }
    // Still profile 1 over plain ws://.
    assertEquals(await handshake(server, "CP-NO", basic("CP-NO", KEY)), 101);
    assertEquals(await handshake(server, "CP-NO"), 401);

    // A station without a key cannot be raised to a Basic auth profile: it could never connect with it.
    const open = await connectSecureStation(server.wsUrl, "CP-NOKEY");
    const openSent = answering(open, { status: "Accepted" });
    try {
      const noKey = await changeProfile(server, "CP-NOKEY", "1");
      assertEquals(noKey.status, 409);
      assertEquals(openSent, []);
      const unconfigured = await server.json("/api/v1/station-security/CP-NOKEY");
      assertEquals(unconfigured.body.configured, false);
      // One the station rejects leaves no record behind.
      const refusing = await connectSecureStation(server.wsUrl, "CP-NOKEY3");
      answering(refusing, { status: "Rejected" });
      try {
        assertEquals((await changeProfile(server, "CP-NOKEY3", "3", true)).body.status, "Rejected");
        assertEquals((await server.json("/api/v1/station-security/CP-NOKEY3")).body.configured, false);
      } finally {
        await closeStation(refusing);
      }
    } finally {
      await closeStation(open);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a raise the station never connects with expires; a profile the operator sets ends one", async () => {
  // 0.001 h: 3.6 s.
  const server = await startApiServer({ PENDING_AUTHORIZATION_KEY_TTL_H: "0.001" });
  try {
    for (const id of ["CP-LATE", "CP-SET"]) {
      await server.json(`/api/v1/station-security/${id}`, {
        method: "PATCH",
        body: { securityProfile: 0, authorizationKey: KEY },
      });
      const station = await connectSecureStation(server.wsUrl, id);
      answering(station, { status: "RebootRequired" });
      try {
        assertEquals((await changeProfile(server, id, "1")).body.status, "RebootRequired");
      } finally {
        await closeStation(station);
      }
      assertEquals((await security(server, id)).pendingSecurityProfile?.profile, 1);
    }
    const set = await server.json("/api/v1/station-security/CP-SET", {
      method: "PATCH",
      body: { securityProfile: 0 },
    });
    assertEquals(set.body.pendingSecurityProfile, null);
    assertEquals(await handshake(server, "CP-SET", basic("CP-SET", KEY)), 101);
    assertEquals((await security(server, "CP-SET")).effectiveProfile, 0, "the operator's word stands");

    await new Promise((r) => setTimeout(r, 3_700));
    assertEquals((await security(server, "CP-LATE")).pendingSecurityProfile, null);
    assertEquals(await handshake(server, "CP-LATE", basic("CP-LATE", KEY)), 101);
    assertEquals((await security(server, "CP-LATE")).effectiveProfile, 0, "an expired raise settles nothing");
    // The next change of the record drops it, and says so.
    await server.json("/api/v1/station-security/CP-LATE", { method: "PATCH", body: { allowedIps: [] } });
    await server.security.events.flush();
    const events = await server.json("/api/v1/security-events?chargePointId=CP-LATE", { as: "operator" });
    assert(
      events.body.items.some((e: { reason: string }) =>
        e.reason.startsWith("Pending security profile 1 expired")
      ),
      JSON.stringify(events.body.items),
    );
  } finally {
    await server.close();
  }
});

Deno.test("a raise whose answer never comes stays pending (the station may have taken it); one never sent is not stored", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "500" });
  try {
    await server.json("/api/v1/station-security/CP-MUTE", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const station = await connectSecureStation(server.wsUrl, "CP-MUTE", { password: KEY });
    station.handle("ChangeConfiguration", () => new Promise(() => {}));
    try {
      const mute = await changeProfile(server, "CP-MUTE", "2");
      assertEquals(mute.status, 504, JSON.stringify(mute.body));
      assertEquals((await security(server, "CP-MUTE")).pendingSecurityProfile?.profile, 2);
    } finally {
      await closeStation(station);
    }
    // Not connected: nothing goes out, nothing is stored (a lower profile would still be 409).
    await eventually(() => !server.registry.isConnected("CP-MUTE"), 5000, "the station closed");
    // Known here (pre-registered), not connected; an id never seen would be 404.
    assertEquals(
      (await server.json("/api/v1/charge-points/CP-AWAY", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      })).status,
      201,
    );
    const before = await server.json("/api/v1/station-security/CP-AWAY");
    const away = await changeProfile(server, "CP-AWAY", "3");
    assertEquals(away.status, 409, JSON.stringify(away.body));
    assertEquals(await server.json("/api/v1/station-security/CP-AWAY"), before);
  } finally {
    await server.close();
  }
});

Deno.test("a fleet job may not change SecurityProfile: a raise is followed station by station", async () => {
  const server = await startApiServer();
  try {
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      body: {
        action: "ChangeConfiguration",
        payload: { key: "securityProfile", value: "2" },
        chargePointIds: ["CP-1"],
      },
    });
    assertEquals([job.status, job.body.details?.field], [400, "payload.key"], JSON.stringify(job.body));
    assertEquals((await server.json("/api/v1/jobs", { as: "viewer" })).body.items, [], "nothing was created");
  } finally {
    await server.close();
  }
});
