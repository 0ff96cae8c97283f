/**
 * A station's certificate is its own only once it installed it: a strict `ocpp-rpc` station (the Security
 * extension's official schemas, Basic auth at profile 1) sends SignCertificate with an `openssl` CSR and answers
 * the CertificateSigned that follows Accepted, Rejected, or not at all (or is gone before it comes). Every
 * certificate is kept and listed with its delivery; only the accepted one is `current` (the API, the station
 * page) and renewed; a rejected or undelivered one is a security event. One signed just before a crash (no
 * outcome ever recorded) stays pending until PKI_PENDING_SETTLE_S: listed as such, nobody's, never renewed
 * (its settling after a real crash: `certificate_delivery_crash_e2e_test.ts`).
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";
import { StationPki } from "../pki/station_pki.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";

type Json = Record<string, unknown>;

const KEY = "certificate-delivery-key-0001";

/** A server (no wait between certificates) and a station `id` at profile 1 with Basic auth. */
async function withStation(
  id: string,
  fn: (ctx: { server: ApiTestServer; station: Station; dir: string }) => Promise<void>,
  env: Record<string, string> = {},
  options: Parameters<typeof startApiServer>[1] = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "csms_cert_delivery_" });
  const server = await startApiServer({ PKI_MIN_REISSUE_S: "0", ...env }, options);
  let station: Station | null = null;
  try {
    const set = await server.json(`/api/v1/station-security/${id}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    station = await connectSecurityStation(server.wsUrl, id, { password: KEY });
    await fn({ server, station, dir });
  } finally {
    if (station) await closeStation(station);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function certificates(server: ApiTestServer, id: string): Promise<Json[]> {
  return (await server.json(`/api/v1/pki/certificates?chargePointId=${id}`, { as: "viewer" })).body.items;
}

/** The station's certificates once none is pending any more: [delivery, current, detail] newest first. */
async function settled(server: ApiTestServer, id: string, count: number) {
  const items = await eventually(
    async () => {
      const items = await certificates(server, id);
      return items.length === count && items.every((c) => c.delivery !== "pending") ? items : null;
    },
    15_000,
    `${count} certificates of ${id} delivered or not`,
  );
  return items!.map((c) => [c.delivery, c.current, c.deliveryDetail]);
}

async function securityEvents(server: ApiTestServer, id: string): Promise<[string, string][]> {
  const res = await server.json(`/api/v1/security-events?chargePointId=${id}`, { as: "operator" });
  return res.body.items.map((e: Json) => [e.kind, e.reason]);
}

Deno.test("a certificate the station rejects is kept and shown as rejected; the one it installed stays its own", async () => {
  await withStation("CP-DLV-1", async ({ server, station, dir }) => {
    const answers = ["Accepted", "Rejected"];
    station.handle("CertificateSigned", () => ({ status: answers.shift() }));
    const { csr } = await makeCsr(dir, "/CN=CP-DLV-1");
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    assertEquals(await settled(server, "CP-DLV-1", 1), [["accepted", true, null]]);
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    assertEquals(await settled(server, "CP-DLV-1", 2), [
      ["rejected", false, 'The station answered "Rejected"'],
      ["accepted", true, null],
    ]);
    const [rejected, installed] = await certificates(server, "CP-DLV-1");
    // The API names the station's certificate apart, also when a page does not reach it.
    const page1 = await server.json("/api/v1/pki/certificates?chargePointId=CP-DLV-1&limit=1", {
      as: "viewer",
    });
    assertEquals(page1.body.items.map((c: Json) => c.serialNumber), [rejected!.serialNumber]);
    assertEquals(page1.body.current.serialNumber, installed!.serialNumber);
    const events = await eventually(async () => {
      const events = await securityEvents(server, "CP-DLV-1");
      return events.some(([kind]) => kind === "certificate_signed_rejected") ? events : null;
    });
    assert(
      events!.some(([kind, reason]) =>
        kind === "certificate_signed_rejected" && reason.includes(rejected!.serialNumber as string)
      ),
      JSON.stringify(events),
    );
    assert(events!.some(([kind]) => kind === "certificate_installed"), JSON.stringify(events));
    // The station page names the installed one as its certificate and shows the other as rejected.
    const cookie = await server.login("root", "root-password-1");
    const page = await (await fetch(`${server.url}/stations/CP-DLV-1`, { headers: { cookie } })).text();
    assertStringIncludes(page, `data-current-certificate="${installed!.serialNumber}"`);
    assertStringIncludes(page, "Rejected by the station");
  });
});

Deno.test("CertificateSigned unanswered or sent to a station gone: not delivered, nobody's, a security event", async () => {
  await withStation("CP-DLV-2", async ({ server, station, dir }) => {
    // Never answers: the call times out.
    station.handle("CertificateSigned", () => new Promise(() => {}));
    const { csr } = await makeCsr(dir, "/CN=CP-DLV-2");
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    assertEquals(await settled(server, "CP-DLV-2", 1), [
      ["undelivered", false, '"CP-DLV-2" did not answer "CertificateSigned" within 500 ms'],
    ]);
    // Gone as soon as it has its answer: the certificate never reaches it.
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    await closeStation(station);
    const [gone] = await settled(server, "CP-DLV-2", 2);
    assertEquals(gone!.slice(0, 2), ["undelivered", false]);
    const events = await eventually(async () => {
      const events = await securityEvents(server, "CP-DLV-2");
      return events.filter(([kind]) => kind === "certificate_signed_undelivered").length === 2
        ? events
        : null;
    });
    assert(events!.every(([kind]) => kind !== "certificate_installed"), JSON.stringify(events));
  }, { CALL_TIMEOUT_MS: "500" });
});

Deno.test("renewal counts only a certificate the station installed", async () => {
  await withStation(
    "CP-DLV-3",
    async ({ server, station, dir }) => {
      let triggers = 0;
      station.handle("ExtendedTriggerMessage", () => (triggers++, { status: "Rejected" }));
      let answer = "Rejected";
      station.handle("CertificateSigned", () => ({ status: answer }));
      const { csr } = await makeCsr(dir, "/CN=CP-DLV-3");
      // Valid 1 day, renewed 2 days before expiry: due at once, if it counted.
      assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
      assertEquals(await settled(server, "CP-DLV-3", 1), [[
        "rejected",
        false,
        'The station answered "Rejected"',
      ]]);
      await new Promise((r) => setTimeout(r, 1000)); // five scans
      assertEquals(triggers, 0, "a rejected certificate is not renewed");
      answer = "Accepted";
      assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
      await eventually(() => triggers > 0, 10_000, "the installed certificate's renewal");
    },
    { PKI_CERT_VALIDITY_DAYS: "1", PKI_RENEW_BEFORE_DAYS: "2" },
    { renewalIntervalMs: 200 },
  );
});

Deno.test("a certificate signed just before a crash stays pending: listed as such, nobody's, never renewed", async () => {
  const kv = await openKvHandle(":memory:");
  const stores = kvSecurityExtension(kv);
  const dir = await Deno.makeTempDir({ prefix: "csms_cert_crash_" });
  try {
    // The process that signed it died before CertificateSigned was answered: the record is all that is left.
    const before = await StationPki.open({
      store: stores.pki,
      now: () => new Date(),
      settings: { certificateValidityDays: 1 },
    });
    const signed = await before.signCertificate("CP-DLV-4", (await makeCsr(dir, "/CN=CP-DLV-4")).csr);
    assert(signed.ok);
    await withStation(
      "CP-DLV-4",
      async ({ server, station }) => {
        let triggers = 0;
        station.handle("ExtendedTriggerMessage", () => (triggers++, { status: "Rejected" }));
        const [listed] = await certificates(server, "CP-DLV-4");
        assertEquals(
          [listed?.serialNumber, listed?.delivery, listed?.current],
          [signed.certificate.serialNumber, "pending", false],
        );
        const listed1 = await server.json("/api/v1/pki/certificates?chargePointId=CP-DLV-4", {
          as: "viewer",
        });
        assertEquals(listed1.body.current, null);
        // Valid 1 day, renewed 2 days before expiry: due at once, if it counted.
        await new Promise((r) => setTimeout(r, 1000)); // five scans
        assertEquals(triggers, 0, "a pending certificate is not renewed");
        const cookie = await server.login("root", "root-password-1");
        const page = await (await fetch(`${server.url}/stations/CP-DLV-4`, { headers: { cookie } })).text();
        assertStringIncludes(page, 'data-current-certificate="none"');
        assertStringIncludes(page, "Pending delivery");
      },
      { PKI_RENEW_BEFORE_DAYS: "2" },
      { securityExtension: stores, renewalIntervalMs: 200 },
    );
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a certificate the store fails to record is a logged follow-up failure; the server goes on serving", async () => {
  const kv = await openKvHandle(":memory:");
  const stores = kvSecurityExtension(kv);
  // The write of the signed certificate fails (a store error other than the database being gone).
  stores.pki.addIssuedCertificate = () => Promise.reject(new Error("disk I/O error"));
  try {
    await withStation(
      "CP-DLV-5",
      async ({ server, station, dir }) => {
        station.handle("CertificateSigned", () => ({ status: "Accepted" }));
        const { csr } = await makeCsr(dir, "/CN=CP-DLV-5");
        assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
        await eventually(
          () => server.logs.find((l) => l.msg === "follow-up failed" && String(l.error).includes("disk I/O")),
          15_000,
          "the failed signing logged",
        );
        // Still serving: the station is answered, its certificates listed (none).
        assertEquals(Object.keys(await station.call("Heartbeat", {})), ["currentTime"]);
        assertEquals(await certificates(server, "CP-DLV-5"), []);
      },
      {},
      { securityExtension: stores },
    );
  } finally {
    kv.close();
  }
});
