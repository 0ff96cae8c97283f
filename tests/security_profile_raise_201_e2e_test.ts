/**
 * Raising an OCPP 2.0.1 station's security profile (OCPP 2.0.1 Part 2 A05 with B09), as an admin and a strict
 * npm `ocpp-rpc` station speaking `ocpp2.0.1` do it: SetNetworkProfile stores a connection profile with
 * securityProfile N in a slot, and once the station uses that slot it reconnects meeting N. Its first
 * connection with N makes N its profile; from then on a connection at the old profile is refused, as for a
 * 1.6 station raised with ChangeConfiguration (security_profile_raise_e2e_test.ts). TLS comes as a trusted
 * proxy forwards it (X-Forwarded-Proto). On KV and on PostgreSQL.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { basic } from "./helpers/secure_station.ts";
import {
  handshake as handshake16,
  raiseBackends,
  securityOf as security,
  TLS,
  withRaiseServer as withServer,
} from "./helpers/security_profile_raise.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const KEY = "s3cret-Authorization-Key-0201";

/** 101 when a 2.0.1 handshake with `headers` opens (closed again at once), else its HTTP status. */
const handshake = (server: ApiTestServer, id: string, headers: Record<string, string> = {}) =>
  handshake16(server, id, headers, ["ocpp2.0.1"]);

function connectionData(securityProfile: unknown, extra: Record<string, unknown> = {}) {
  return {
    ocppVersion: "OCPP20",
    ocppTransport: "JSON",
    ocppCsmsUrl: "wss://csms.example.com/ocpp",
    messageTimeout: 30,
    securityProfile,
    ocppInterface: "Wired0",
    ...extra,
  };
}

/** SetNetworkProfile to slot 2 with `securityProfile`, as an admin (`force`: see the 1.6 tests). */
function setNetworkProfile(
  server: ApiTestServer,
  id: string,
  securityProfile: unknown,
  options: { force?: boolean; extra?: Record<string, unknown> } = {},
) {
  return server.json(`/api/v1/charge-points/${id}/SetNetworkProfile${options.force ? "?force=true" : ""}`, {
    method: "POST",
    body: { configurationSlot: 2, connectionData: connectionData(securityProfile, options.extra) },
  });
}

/** A connected 2.0.1 station that answers SetNetworkProfile with `answer.status`, recording what it got. */
function answering(station: Station, answer: { status: string }, sent: unknown[] = []) {
  station.handle(
    "SetNetworkProfile",
    ({ params }: { params: { connectionData: { securityProfile: number } } }) => {
      sent.push(params.connectionData.securityProfile);
      return { status: answer.status };
    },
  );
  return sent;
}

const BACKENDS = await raiseBackends("secprofile_raise_201");

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `${backend.name}: a 2.0.1 station sent SetNetworkProfile with profile 2 is profile 2 from its first ` +
      "connection over TLS; plain ws:// is refused from then on",
    ignore: backend.ignore,
    fn: () =>
      withServer(backend, async (server) => {
        await server.json("/api/v1/station-security/CP-NP", {
          method: "PATCH",
          body: { securityProfile: 1, authorizationKey: KEY },
        });
        const station = await connectStation201(server.wsUrl, "CP-NP", { password: KEY });
        const sent = answering(station, { status: "Accepted" });
        try {
          const raised = await setNetworkProfile(server, "CP-NP", 2);
          assertEquals([raised.status, raised.body.status], [200, "Accepted"], JSON.stringify(raised.body));
          assertEquals(sent, [2]);
        } finally {
          await closeStation(station);
        }
        await eventually(() => !server.registry.isConnected("CP-NP"), 5000, "the station closed");
        const pending = await security(server, "CP-NP");
        assertEquals([pending.effectiveProfile, pending.pendingSecurityProfile?.profile], [1, 2]);
        // Until the operator moves it to the new slot, it comes back on the old one: still let in.
        assertEquals(await handshake(server, "CP-NP", basic("CP-NP", KEY)), 101);
        assertEquals((await security(server, "CP-NP")).pendingSecurityProfile?.profile, 2);

        const again = await connectStation201(server.wsUrl, "CP-NP", { password: KEY, headers: TLS });
        try {
          assertEquals(typeof (await again.call("Heartbeat", {})).currentTime, "string");
        } finally {
          await closeStation(again);
        }
        await eventually(() => !server.registry.isConnected("CP-NP"), 5000, "the station closed");
        const after = await security(server, "CP-NP");
        assertEquals([after.securityProfile, after.effectiveProfile, after.pendingSecurityProfile], [
          2,
          2,
          null,
        ]);
        assertEquals(await handshake(server, "CP-NP", basic("CP-NP", KEY)), 403, "profile 1 is over");
        assertEquals(await handshake(server, "CP-NP", { ...TLS, ...basic("CP-NP", KEY) }), 101);
        await server.security.events.flush();
        const events = await server.json("/api/v1/security-events?chargePointId=CP-NP", { as: "operator" });
        assert(
          events.body.items.some((e: { reason: string }) =>
            e.reason.startsWith("Security profile raised from 1 to 2")
          ),
          JSON.stringify(events.body.items),
        );
      }),
  });
}

Deno.test("a 2.0.1 SetNetworkProfile the station rejects changes nothing; a lower or invalid profile is not sent", async () => {
  const server = await startApiServer();
  try {
    await server.json("/api/v1/station-security/CP-NPNO", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const station = await connectStation201(server.wsUrl, "CP-NPNO", { password: KEY });
    const answer = { status: "Rejected" };
    const sent = answering(station, answer);
    try {
      assertEquals((await setNetworkProfile(server, "CP-NPNO", 2)).body.status, "Rejected");
      assertEquals((await security(server, "CP-NPNO")).pendingSecurityProfile, null);
      answer.status = "Failed";
      assertEquals((await setNetworkProfile(server, "CP-NPNO", 3, { force: true })).body.status, "Failed");
      assertEquals((await security(server, "CP-NPNO")).pendingSecurityProfile, null);

      // A05: a station SHALL NOT be moved to a lower profile; we do not send one, forced or not.
      const lower = await setNetworkProfile(server, "CP-NPNO", 0, { force: true });
      assertEquals([lower.status, lower.body.details?.currentProfile], [409, 1], JSON.stringify(lower.body));
      const invalid = await setNetworkProfile(server, "CP-NPNO", 4);
      assertEquals([invalid.status, invalid.body.details?.field], [400, "connectionData.securityProfile"]);
      assertEquals(sent, [2, 3]);
      // The same profile goes out as it is (a new CSMS URL, say), and nothing waits for it.
      answer.status = "Accepted";
      assertEquals((await setNetworkProfile(server, "CP-NPNO", 1)).body.status, "Accepted");
      assertEquals((await security(server, "CP-NPNO")).pendingSecurityProfile, null);
      // Raising to 3 needs a certificate of ours, as for 1.6.
      const three = await setNetworkProfile(server, "CP-NPNO", 3);
      assertEquals([three.status, three.body.details?.reason], [409, "no_station_certificate"]);
      assertEquals(sent, [2, 3, 1]);
    } finally {
      await closeStation(station);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a 2.0.1 SetNetworkProfile's secrets (VPN key and password, APN password, SIM PIN) are kept nowhere", async () => {
  const server = await startApiServer();
  try {
    const station = await connectStation201(server.wsUrl, "CP-NPVPN");
    answering(station, { status: "Accepted" });
    try {
      const vpn = {
        server: "vpn.example",
        user: "u",
        password: "vpn-pass-123",
        key: "vpn-key-456",
        type: "IPSec",
      };
      const apn = { apn: "internet", apnPassword: "apn-pass-789", simPin: 4321, apnAuthentication: "AUTO" };
      const res = await setNetworkProfile(server, "CP-NPVPN", 0, { extra: { vpn, apn } });
      assertEquals(res.status, 200, JSON.stringify(res.body));
      const log = await server.json("/api/v1/charge-points/CP-NPVPN/commands?limit=10", { as: "viewer" });
      const frames = await server.json("/api/v1/charge-points/CP-NPVPN/frames", { as: "viewer" });
      const kept = JSON.stringify([log.body, frames.body, server.logs]);
      assert(kept.includes("SetNetworkProfile"), kept.slice(0, 2000));
      for (const secret of ["vpn-pass-123", "vpn-key-456", "apn-pass-789", "4321"]) {
        assert(!kept.includes(secret), `${secret} was kept`);
      }
    } finally {
      await closeStation(station);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a fleet job may not send SetNetworkProfile: its security profile is followed station by station", async () => {
  const server = await startApiServer();
  try {
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      body: {
        action: "SetNetworkProfile",
        payload: { configurationSlot: 2, connectionData: connectionData(2) },
        chargePointIds: ["CP-1"],
      },
    });
    assertEquals(
      [job.status, job.body.details?.field],
      [400, "payload.connectionData.securityProfile"],
      JSON.stringify(job.body),
    );
    assertEquals((await server.json("/api/v1/jobs", { as: "viewer" })).body.items, []);
  } finally {
    await server.close();
  }
});

Deno.test("which network profile a 2.0.1 station uses (OCPPCommCtrlr.NetworkConfigurationPriority) is set by admins only", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-NPPRIO");
  const sent: unknown[] = [];
  station.handle("SetVariables", ({ params }: { params: { setVariableData: unknown[] } }) => {
    sent.push(params);
    return {
      setVariableResult: params.setVariableData.map((d) => ({
        ...(d as object),
        attributeStatus: "Accepted",
      }))
        .map(({ attributeValue: _, ...rest }: Record<string, unknown>) => rest),
    };
  });
  // Slot 1 first: the profile an admin stored there with another CSMS's URL, or a lower security profile.
  const body = {
    setVariableData: [{
      component: { name: "OCPPCommCtrlr" },
      variable: { name: "NetworkConfigurationPriority" },
      attributeValue: "1,2",
    }],
  };
  try {
    const byOperator = await server.json("/api/v1/charge-points/CP-NPPRIO/SetVariables", {
      method: "POST",
      body,
      as: "operator",
    });
    assertEquals([byOperator.status, byOperator.body.details?.required], [403, "admin"]);
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      body: { action: "SetVariables", payload: body, chargePointIds: ["CP-NPPRIO"] },
      as: "operator",
    });
    assertEquals(job.status, 403, JSON.stringify(job.body));
    assertEquals(sent, []);
    const byAdmin = await server.json("/api/v1/charge-points/CP-NPPRIO/SetVariables", {
      method: "POST",
      body,
    });
    assertEquals(byAdmin.status, 200, JSON.stringify(byAdmin.body));
    assertEquals(sent.length, 1);
    // Other OCPPCommCtrlr variables stay an operator's.
    const heartbeat = await server.json("/api/v1/charge-points/CP-NPPRIO/SetVariables", {
      method: "POST",
      body: {
        setVariableData: [{
          component: { name: "OCPPCommCtrlr" },
          variable: { name: "HeartbeatInterval" },
          attributeValue: "300",
        }],
      },
      as: "operator",
    });
    assertEquals(heartbeat.status, 200, JSON.stringify(heartbeat.body));
  } finally {
    await closeStation(station);
    await server.close();
  }
});
