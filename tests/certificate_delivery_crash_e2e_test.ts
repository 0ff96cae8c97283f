/**
 * A certificate whose delivery a crash cut short is settled: the real server (`main.ts`, a child process)
 * signs a strict `ocpp-rpc` station's CSR (the Security extension's official schemas, Basic auth at profile 1)
 * and is killed with SIGKILL while the station holds the CertificateSigned unanswered. Restarted on the same
 * store (a KV file; a PostgreSQL database), it leaves the certificate pending while a node could still be
 * waiting for the answer (PKI_PENDING_SETTLE_S after signing), then records it `undelivered` with a security
 * event: seen through the operator API as an operator sees it.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

type Json = Record<string, unknown>;

const KEY = "certificate-crash-key-00001";
/** CALL_TIMEOUT_MS 2 s: no node waits for an answer longer than 9 s; settled 12 s after signing. */
const SETTLE_S = 12;
const SETTINGS = {
  ADMIN_USER: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  PKI_MIN_REISSUE_S: "0",
  CALL_TIMEOUT_MS: "2000",
  PKI_PENDING_SETTLE_S: String(SETTLE_S),
  RETENTION_INTERVAL_S: "0.5",
};

async function crashWhileCertificateSignedIsUnanswered(
  env: (dir: string) => Record<string, string>,
  id: string,
) {
  const dir = await Deno.makeTempDir({ prefix: "csms_cert_crash_" });
  let server = await spawnServer({ ...SETTINGS, ...env(dir) });
  let station: Station | null = null;
  try {
    let api = await adminApi(server.url);
    const set = await api(`/station-security/${id}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    station = await connectSecurityStation(server.wsUrl, id, { password: KEY });
    const received = Promise.withResolvers<void>();
    station.handle("CertificateSigned", () => {
      received.resolve();
      return new Promise(() => {}); // Holds it: the server dies waiting.
    });
    const { csr } = await makeCsr(dir, `/CN=${id}`);
    const signedBy = Date.now();
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    await received.promise;
    const [sent] = (await api(`/pki/certificates?chargePointId=${id}`)).body.items as Json[];
    assertEquals(sent?.delivery, "pending");
    await server.kill("SIGKILL");
    await closeStation(station);
    station = null;

    server = await spawnServer({ ...SETTINGS, ...env(dir) });
    api = await adminApi(server.url);
    const certificate = async () =>
      (await api(`/pki/certificates?chargePointId=${id}`)).body.items[0] as Json;
    const early = await certificate();
    // Only when the restart was quick enough to look before the bound (a loaded machine may take longer).
    if (Date.now() - signedBy < (SETTLE_S - 2) * 1000) {
      assertEquals(
        early.delivery,
        "pending",
        "a node could still be waiting for the answer: not settled yet",
      );
    }
    const settled = (await eventually(
      async () => {
        const c = await certificate();
        return c.delivery === "undelivered" ? c : null;
      },
      SETTLE_S * 1000 + 15_000,
      "the crashed delivery settled",
    ))!;
    assert(Date.now() - signedBy >= SETTLE_S * 1000, "settled before PKI_PENDING_SETTLE_S");
    assertEquals([settled.serialNumber, settled.current], [sent!.serialNumber, false]);
    assertEquals(
      settled.deliveryDetail,
      `No outcome recorded within ${SETTLE_S} s of signing: the server may have restarted before the station answered`,
    );
    const listed = await api(`/pki/certificates?chargePointId=${id}`);
    assertEquals(listed.body.current, null, "nobody's certificate");
    const events = (await eventually(async () => {
      const res = await api(`/security-events?chargePointId=${id}`);
      const found = (res.body.items as Json[]).filter((e) => e.kind === "certificate_signed_undelivered");
      return found.length > 0 ? found : null;
    }))!;
    assertEquals(events.length, 1, JSON.stringify(events));
    assertStringIncludes(events[0]!.reason as string, `Certificate ${sent!.serialNumber} not delivered`);
    assert(
      server.logs.some((l) => l.msg === "pending certificates recorded undelivered" && l.settled === 1),
      "the sweep's log line",
    );
  } finally {
    if (station) await closeStation(station);
    await server.kill();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a certificate whose CertificateSigned a crash cut short is recorded undelivered after a restart (KV)", async () => {
  await crashWhileCertificateSignedIsUnanswered((dir) => ({ KV_PATH: `${dir}/csms.kv` }), "CP-CRASH-KV");
});

const ignorePostgres = await ignoreWithoutPostgres("The PostgreSQL certificate crash test");

Deno.test({
  name:
    "a certificate whose CertificateSigned a crash cut short is recorded undelivered after a restart (PostgreSQL)",
  ignore: ignorePostgres,
  fn: async () => {
    const db = await migratedDatabase("csms_cert_crash");
    try {
      await crashWhileCertificateSignedIsUnanswered(() => ({ DATABASE_URL: db.url }), "CP-CRASH-PG");
    } finally {
      await db.drop();
    }
  },
});
