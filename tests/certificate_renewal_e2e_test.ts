/**
 * Certificate renewal end to end, with a strict station (npm `ocpp-rpc`, the Security extension's official
 * schemas) and the real server: a trigger lost to a disconnect (ExtendedTriggerMessage in flight, no answer)
 * is not counted as asked, so the station is asked again soon after it reconnects; a trigger the station
 * answered (here Rejected) waits the retry period (6 hours) like an accepted one.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const ID = "CP-RENEW-LOST";
const KEY = "certificate-renewal-key-0001";

Deno.test("renewal: a trigger lost when the station disconnects is sent again after it reconnects, and an answered one waits the retry period", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pkifix_renewal_e2e_" });
  // Valid 1 day, renewed 2 days before expiry: due as soon as it is installed; the scan runs every 200 ms.
  const server = await startApiServer(
    { PKI_CERT_VALIDITY_DAYS: "1", PKI_RENEW_BEFORE_DAYS: "2", PKI_MIN_REISSUE_S: "0" },
    { renewalIntervalMs: 200 },
  );
  const stations: Station[] = [];
  try {
    const set = await server.json(`/api/v1/station-security/${ID}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    const current = async () => {
      const { body } = await server.json(`/api/v1/pki/certificates?chargePointId=${ID}`, { as: "viewer" });
      return body.current;
    };

    // First connection: the station installs a certificate, then drops with the renewal trigger in flight.
    const first = await connectSecurityStation(server.wsUrl, ID, { password: KEY, boot: false });
    stations.push(first);
    first.handle("CertificateSigned", () => ({ status: "Accepted" }));
    let lostTriggers = 0;
    first.handle("ExtendedTriggerMessage", () => {
      lostTriggers++;
      void closeStation(first);
      return new Promise(() => {}); // never answered
    });
    await boot(first);
    const { csr } = await makeCsr(dir, `/CN=${ID}`);
    assertEquals(await first.call("SignCertificate", { csr }), { status: "Accepted" });
    await eventually(() => lostTriggers === 1, 10_000, "the first trigger");
    await eventually(() => server.registry.get(ID) === undefined, 5_000, "the station gone");
    // Several scans with the station away: the lost trigger is not recorded as a request.
    await new Promise((r) => setTimeout(r, 600));
    const installed = await current();
    assert(installed, "the certificate is the station's");
    assertEquals(installed.renewalRequestedAt, null, "a trigger nobody answered is not a request");

    // It reconnects: asked again within a scan or two, not 6 hours later. It answers Rejected this time.
    const second = await connectSecurityStation(server.wsUrl, ID, { password: KEY, boot: false });
    stations.push(second);
    const askedAt: number[] = [];
    second.handle("ExtendedTriggerMessage", ({ params }) => {
      assertEquals(params, { requestedMessage: "SignChargePointCertificate" });
      askedAt.push(Date.now());
      return { status: "Rejected" };
    });
    const reconnectedAt = Date.now();
    await boot(second);
    await eventually(() => askedAt.length === 1, 5_000, "the trigger sent again after the reconnection");
    assert(askedAt[0]! - reconnectedAt < 3_000, `asked ${askedAt[0]! - reconnectedAt} ms after reconnecting`);
    await eventually(
      async () => (await current())?.renewalRequestedAt !== null,
      5_000,
      "the answer recorded",
    );

    // Answered (Rejected): counted as asked, so ten more scans leave it alone.
    await new Promise((r) => setTimeout(r, 2_000));
    assertEquals(askedAt.length, 1, "an answered trigger waits the retry period");
  } finally {
    for (const station of stations) await closeStation(station).catch(() => {});
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** BootNotification, sent once the test's handlers are in place (a trigger may come at once). */
async function boot(station: Station): Promise<void> {
  const answer = await station.call("BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "Volt-1",
  });
  assertEquals(answer.status, "Accepted");
}
