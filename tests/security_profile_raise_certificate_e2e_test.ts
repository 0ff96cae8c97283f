/**
 * A raise to security profile 3 (Security Whitepaper A05) needs the client certificate the station will present:
 * without a current, unexpired certificate our PKI issued it (one it installed: CertificateSigned Accepted),
 * the station would come back at profile 3 with nothing to show and be locked out (or leave the raise pending
 * until it expires), so the command is refused (409, not sent) unless the operator forces it (a certificate
 * from another CA the proxy trusts). Driven as an admin and a strict `ocpp-rpc` station with the Security
 * extension's schemas do it: SignCertificate with an `openssl` CSR, CertificateSigned answered Accepted, then
 * ChangeConfiguration SecurityProfile=3 over real HTTP.
 */
import { assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const KEY = "raise-to-three-key-000001";
const DAY_MS = 24 * 3600_000;

/** A server whose clock can be moved on, and a station `id` at profile 2 (its key set) connected to it. */
async function withStation(
  id: string,
  fn: (
    ctx: { server: ApiTestServer; station: Station; sent: string[]; dir: string; skip: (ms: number) => void },
  ) => Promise<void>,
) {
  let offset = 0;
  const dir = await Deno.makeTempDir({ prefix: "certcheck_raise_" });
  const server = await startApiServer(
    { PKI_MIN_REISSUE_S: "0", PKI_CERT_VALIDITY_DAYS: "1", PENDING_AUTHORIZATION_KEY_TTL_H: "240" },
    { now: () => new Date(Date.now() + offset) },
  );
  let station: Station | null = null;
  try {
    const set = await server.json(`/api/v1/station-security/${id}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    station = await connectSecurityStation(server.wsUrl, id, { password: KEY });
    const sent: string[] = [];
    station.handle("ChangeConfiguration", ({ params }: { params: { key: string; value: string } }) => {
      sent.push(`${params.key}=${params.value}`);
      return { status: "Accepted" };
    });
    station.handle("CertificateSigned", () => ({ status: "Accepted" }));
    await fn({ server, station, sent, dir, skip: (ms) => (offset += ms) });
  } finally {
    if (station) await closeStation(station);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function raiseToThree(server: ApiTestServer, id: string, force = false) {
  return server.json(`/api/v1/charge-points/${id}/ChangeConfiguration${force ? "?force=true" : ""}`, {
    method: "POST",
    body: { key: "SecurityProfile", value: "3" },
  });
}

async function pendingProfile(server: ApiTestServer, id: string): Promise<number | null> {
  const res = await server.json(`/api/v1/station-security/${id}`);
  return res.body.pendingSecurityProfile?.profile ?? null;
}

/** SignCertificate with a fresh CSR; resolves once the certificate is the station's current one. */
async function enrol(server: ApiTestServer, station: Station, id: string, dir: string) {
  const { csr } = await makeCsr(dir, `/CN=${id}`);
  assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
  return await eventually(
    async () => {
      const res = await server.json(`/api/v1/pki/certificates?chargePointId=${id}`, { as: "viewer" });
      return res.body.current ?? null;
    },
    15_000,
    `the certificate of ${id} installed`,
  );
}

Deno.test("a raise to profile 3 of a station without a certificate of ours is refused, not sent, not pending", async () => {
  await withStation("CP-R3-NONE", async ({ server, sent }) => {
    const refused = await raiseToThree(server, "CP-R3-NONE");
    assertEquals(refused.status, 409, JSON.stringify(refused.body));
    assertEquals(refused.body.error, "command_refused");
    assertEquals(refused.body.details.reason, "no_station_certificate");
    assertEquals(refused.body.details.certificate, null);
    assertEquals(sent, [], "nothing went out");
    assertEquals(await pendingProfile(server, "CP-R3-NONE"), null, "nothing pending");
    // Profile 2 needs no certificate: sent as before.
    const two = await server.json("/api/v1/charge-points/CP-R3-NONE/ChangeConfiguration", {
      method: "POST",
      body: { key: "SecurityProfile", value: "2" },
    });
    assertEquals([two.status, two.body.status], [200, "Accepted"]);
    assertEquals(sent, ["SecurityProfile=2"]);
  });
});

Deno.test("a raise to profile 3 of a station that installed our certificate is sent, and pending", async () => {
  await withStation("CP-R3-OK", async ({ server, station, sent, dir }) => {
    // A certificate signed but not (yet) installed is not one it can present.
    station.handle("CertificateSigned", () => ({ status: "Rejected" }));
    const { csr } = await makeCsr(dir, "/CN=CP-R3-OK");
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    await eventually(
      async () => {
        const res = await server.json("/api/v1/pki/certificates?chargePointId=CP-R3-OK", { as: "viewer" });
        return res.body.items[0]?.delivery === "rejected";
      },
      15_000,
      "the rejection recorded",
    );
    assertEquals((await raiseToThree(server, "CP-R3-OK")).status, 409);
    assertEquals(sent, []);

    station.handle("CertificateSigned", () => ({ status: "Accepted" }));
    await enrol(server, station, "CP-R3-OK", dir);
    const raised = await raiseToThree(server, "CP-R3-OK");
    assertEquals([raised.status, raised.body.status], [200, "Accepted"], JSON.stringify(raised.body));
    assertEquals(sent, ["SecurityProfile=3"]);
    assertEquals(await pendingProfile(server, "CP-R3-OK"), 3);
  });
});

Deno.test("a raise to profile 3 of a station whose certificate expired is refused and names it", async () => {
  await withStation("CP-R3-OLD", async ({ server, station, sent, dir, skip }) => {
    const installed = await enrol(server, station, "CP-R3-OLD", dir);
    // Valid one day: two days on, it is no certificate the proxy would take.
    skip(2 * DAY_MS);
    const refused = await raiseToThree(server, "CP-R3-OLD");
    assertEquals(refused.status, 409, JSON.stringify(refused.body));
    assertEquals(refused.body.details.reason, "station_certificate_expired");
    assertEquals(refused.body.details.certificate.serialNumber, installed.serialNumber);
    assertEquals(sent, []);
    assertEquals(await pendingProfile(server, "CP-R3-OLD"), null);
  });
});

Deno.test("a raise to profile 3 forced by the operator is sent without a certificate of ours", async () => {
  await withStation("CP-R3-FORCE", async ({ server, sent }) => {
    const forced = await raiseToThree(server, "CP-R3-FORCE", true);
    assertEquals([forced.status, forced.body.status], [200, "Accepted"], JSON.stringify(forced.body));
    assertEquals(sent, ["SecurityProfile=3"]);
    assertEquals(await pendingProfile(server, "CP-R3-FORCE"), 3);
    // Force does not open a lower profile: that is refused whatever the operator says.
    const lower = await server.json("/api/v1/charge-points/CP-R3-FORCE/ChangeConfiguration?force=true", {
      method: "POST",
      body: { key: "SecurityProfile", value: "0" },
    });
    assertEquals(lower.status, 409);
    assertEquals(sent, ["SecurityProfile=3"]);
  });
});
