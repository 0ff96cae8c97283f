/**
 * OCPP 2.0.1 security (Part 2 A02-A04) on the same PKI as 1.6 stations, with npm `ocpp-rpc` in strict mode
 * speaking `ocpp2.0.1`: a CSR is signed by the same CA and sent back with CertificateSigned (checked by the
 * station against the 2.0.1 schema), and security events land in the same log. The stations authenticate
 * (profile 1): a connection that did not gets no certificate (tests/security_extension_e2e_test.ts).
 */
import { assert, assertEquals } from "@std/assert";
import { x509 } from "../pki/x509.ts";
import { startApiServer } from "./helpers/api.ts";
import { makeCsr, opensslVerify } from "./helpers/openssl.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import type { ApiTestServer } from "./helpers/api.ts";

const KEY = "ocpp201-security-key-0001";

/** `id` at profile 1 with a key, connected with it. */
async function connectAuthenticated(server: ApiTestServer, id: string) {
  const set = await server.json(`/api/v1/station-security/${id}`, {
    method: "PATCH",
    body: { securityProfile: 1, authorizationKey: KEY },
  });
  assertEquals(set.status, 200, JSON.stringify(set.body));
  return await connectStation201(server.wsUrl, id, { password: KEY });
}

Deno.test("a 2.0.1 station's CSR is signed by the same CA and comes back with CertificateSigned", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_201_sec_" });
  const server = await startApiServer();
  const station = await connectAuthenticated(server, "CP-SEC201");
  try {
    const { csr } = await makeCsr(dir, "/CN=CP-SEC201", "rsa:2048");
    const signed = new Promise<{ certificateChain: string }>((resolve) => {
      station.handle("CertificateSigned", ({ params }) => {
        resolve(params);
        return { status: "Accepted" };
      });
    });
    assertEquals(
      (await station.call("SignCertificate", { csr, certificateType: "ChargingStationCertificate" })).status,
      "Accepted",
    );
    const { certificateChain } = await signed;
    const caPath = `${dir}/ca.pem`;
    await Deno.writeTextFile(caPath, await (await fetch(`${server.url}/api/v1/pki/ca`)).text());
    const verified = await opensslVerify(dir, caPath, certificateChain);
    assert(verified.ok, verified.output);
    assertEquals(new x509.X509Certificate(certificateChain).subject, "CN=CP-SEC201");
    // A CSR for another station is refused and logged as a security event.
    const { csr: other } = await makeCsr(dir, "/CN=CP-ELSE", "rsa:2048");
    assertEquals((await station.call("SignCertificate", { csr: other })).status, "Rejected");
    // Its own CSR, for an ISO 15118 certificate: not ours to issue (the CA makes client certificates).
    assertEquals(
      (await station.call("SignCertificate", { csr, certificateType: "V2GCertificate" })).status,
      "Rejected",
    );
    assertEquals(
      await station.call("SecurityEventNotification", {
        type: "TamperDetectionActivated",
        timestamp: "2026-11-25T10:00:00Z",
      }),
      {},
    );
    const events = await eventually(async () => {
      const res = await server.json("/api/v1/security-events?chargePointId=CP-SEC201", { as: "operator" });
      // Its security settings' change (made by connectAuthenticated) is not counted.
      const items = res.body.items.filter((e: { kind: string }) => e.kind !== "station_security_changed");
      return items.length >= 5 ? items : null;
    });
    assertEquals(
      events.map((e: { kind: string }) => e.kind).sort(),
      [
        "certificate_installed",
        "certificate_issued",
        "csr_rejected",
        "csr_rejected",
        "station_event_critical",
      ],
    );
    assert(events.some((e: { reason: string }) => e.reason.includes("V2G")), JSON.stringify(events));
  } finally {
    await closeStation(station);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renewal: a 2.0.1 station near expiry gets TriggerMessage SignChargingStationCertificate and renews", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_201_renew_" });
  const server = await startApiServer(
    // Renewed seconds after the first: no wait between certificates here.
    { PKI_CERT_VALIDITY_DAYS: "1", PKI_RENEW_BEFORE_DAYS: "2", PKI_MIN_REISSUE_S: "0" },
    { renewalIntervalMs: 200 },
  );
  const station = await connectAuthenticated(server, "CP-RENEW201");
  try {
    const chains: string[] = [];
    station.handle("CertificateSigned", ({ params }) => {
      chains.push(params.certificateChain);
      return { status: "Accepted" };
    });
    // Every certificate here is due for renewal at once, so triggers keep coming: once the test has seen a
    // renewal it refuses them, and it waits for the renewals under way before the temporary directory goes.
    let renewing = true;
    const renewals: Promise<unknown>[] = [];
    station.handle("TriggerMessage", ({ params }) => {
      assertEquals(params, { requestedMessage: "SignChargingStationCertificate" });
      if (!renewing) return { status: "Rejected" };
      // As a station does: answer, then send the new CSR.
      renewals.push(
        new Promise((r) => setTimeout(r, 10))
          .then(() => makeCsr(dir, "/CN=CP-RENEW201", "rsa:2048"))
          .then(({ csr }) => station.call("SignCertificate", { csr })),
      );
      return { status: "Accepted" };
    });
    const { csr } = await makeCsr(dir, "/CN=CP-RENEW201", "rsa:2048");
    assertEquals((await station.call("SignCertificate", { csr })).status, "Accepted");
    // Valid 1 day, renewed 2 days before expiry: due at once; the scan runs every 200 ms.
    await eventually(() => chains.length >= 2, 10_000, "a renewed certificate");
    renewing = false;
    await Promise.all(renewals);
  } finally {
    await closeStation(station);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
