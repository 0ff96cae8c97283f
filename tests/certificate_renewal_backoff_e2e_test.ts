/**
 * A connected station that never answers the renewal trigger (ExtendedTriggerMessage SignChargePointCertificate
 * times out, the station still connected) is not asked at every scan: the scan interval doubled per unanswered
 * trigger in a row, up to the 6 hour retry period, kept with the certificate in the store (so every node of a
 * cluster keeps to it); once it answers, the back-off ends. A strict `ocpp-rpc` station with the Security
 * extension's schemas, the real server, its scan every 200 ms and a 300 ms answer timeout.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const ID = "CP-RENEW-MUTE";
const KEY = "certificate-backoff-key-0001";
const SCAN_MS = 200;
const TIMEOUT_MS = 300;

Deno.test("renewal: a connected station that never answers the trigger is asked again after a doubling back-off, not at every scan", async () => {
  const dir = await Deno.makeTempDir({ prefix: "certcheck_backoff_" });
  // Valid 1 day, renewed 2 days before expiry: due as soon as it is installed.
  const server = await startApiServer(
    {
      PKI_CERT_VALIDITY_DAYS: "1",
      PKI_RENEW_BEFORE_DAYS: "2",
      PKI_MIN_REISSUE_S: "0",
      CALL_TIMEOUT_MS: String(TIMEOUT_MS),
    },
    { renewalIntervalMs: SCAN_MS },
  );
  let station: Station | null = null;
  try {
    const set = await server.json(`/api/v1/station-security/${ID}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    const current = async () =>
      (await server.json(`/api/v1/pki/certificates?chargePointId=${ID}`, { as: "viewer" })).body.current;

    station = await connectSecurityStation(server.wsUrl, ID, { password: KEY });
    station.handle("CertificateSigned", () => ({ status: "Accepted" }));
    const askedAt: number[] = [];
    let answer: { status: string } | null = null;
    station.handle("ExtendedTriggerMessage", () => {
      askedAt.push(Date.now());
      return answer ?? new Promise(() => {}); // never answered while `answer` is null
    });
    const { csr } = await makeCsr(dir, `/CN=${ID}`);
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    await eventually(() => askedAt.length >= 1, 10_000, "the first trigger");
    await new Promise((r) => setTimeout(r, 6_000));

    // Asked at every scan, it would have heard ~15 triggers in 6 s (one per timeout and scan); backed off, ~4.
    assert(askedAt.length <= 5, `asked ${askedAt.length} times in 6 s`);
    assert(askedAt.length >= 3, `asked ${askedAt.length} times in 6 s: the station is still asked`);
    // After the n-th trigger in a row went unanswered, not again before the timeout and SCAN_MS * 2^n.
    for (let n = 1; n < askedAt.length; n++) {
      const gap = askedAt[n]! - askedAt[n - 1]!;
      const least = TIMEOUT_MS + SCAN_MS * 2 ** n;
      assert(gap >= least - 50, `gap ${n}: ${gap} ms, at least ${least} ms expected (${askedAt.join(", ")})`);
    }
    const backingOff = await current();
    assertEquals(backingOff.renewalRequestedAt, null, "a trigger nobody answered is not a request");
    assert(backingOff.renewalUnanswered >= askedAt.length - 1, JSON.stringify(backingOff));
    assert(backingOff.renewalRetryAt !== null, JSON.stringify(backingOff));

    // It answers the next one: asked, and the back-off is over (the 6 hour retry period applies).
    answer = { status: "Rejected" };
    const answered = await eventually(
      async () => {
        const c = await current();
        return c.renewalRequestedAt !== null ? c : null;
      },
      15_000,
      "the answer recorded",
    );
    assertEquals([answered.renewalUnanswered, answered.renewalRetryAt], [0, null]);
    const asked = askedAt.length;
    await new Promise((r) => setTimeout(r, 1_000));
    assertEquals(askedAt.length, asked, "an answered trigger waits the retry period");
  } finally {
    if (station) await closeStation(station);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
