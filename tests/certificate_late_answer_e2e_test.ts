/**
 * A station slow to install its certificate (a secure element, a flash write) answers CertificateSigned
 * Accepted after CALL_TIMEOUT_MS, as a station maker's QA found: the Central System had already called it
 * undelivered and dropped the late answer, so the station used a certificate that was nobody's, never renewed,
 * and was locked out of profile 3 when it expired. A late answer to our own CertificateSigned is the station's
 * answer all the same: an Accepted one makes the certificate its current one, on both stores. The operator's
 * command still reports the timeout it met (504); only the certificate's record follows the station. In a
 * cluster too: the operator asks for the renewal through node A, the station is on node B.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";

type Json = Record<string, unknown>;

const KEY = "certificate-late-key-0001";
const TIMEOUT_MS = 500;

async function lateAcceptance(kind: StoreKind): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "csms_cert_late_" });
  try {
    await withApiServer(kind, async (server: ApiTestServer) => {
      const id = `CP-LATE-${kind}`;
      const set = await server.json(`/api/v1/station-security/${id}`, {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: KEY },
      });
      assertEquals(set.status, 200, JSON.stringify(set.body));
      const station = await connectSecurityStation(server.wsUrl, id, { password: KEY });
      try {
        let answered!: () => void;
        const answeredLate = new Promise<void>((r) => answered = r);
        // Installs for three times CALL_TIMEOUT_MS, then says Accepted.
        station.handle("CertificateSigned", async () => {
          await new Promise((r) => setTimeout(r, 3 * TIMEOUT_MS));
          setTimeout(answered, 0);
          return { status: "Accepted" };
        });
        const { csr } = await makeCsr(dir, `/CN=${id}`);
        assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
        await answeredLate;
        const listed = await eventually(
          async () => {
            const res = await server.json(`/api/v1/pki/certificates?chargePointId=${id}`, { as: "viewer" });
            const [only] = res.body.items as Json[];
            return only?.delivery === "accepted" ? res.body : null;
          },
          15_000,
          "the late acceptance recorded",
        );
        assertEquals(listed!.items.length, 1);
        assertEquals(listed!.items[0].current, true);
        assertEquals(listed!.current?.serialNumber, listed!.items[0].serialNumber);
        const events = await eventually(
          async () => {
            const res = await server.json(`/api/v1/security-events?chargePointId=${id}`, { as: "operator" });
            const kinds = res.body.items.map((e: Json) => e.kind) as string[];
            return kinds.includes("certificate_installed") ? kinds : null;
          },
          15_000,
          "a certificate_installed event",
        );
        // It was called undelivered first (the timeout), then installed.
        assertEquals(
          events!.filter((k) => k.startsWith("certificate_signed_") || k === "certificate_installed"),
          ["certificate_installed", "certificate_signed_undelivered"],
        );
      } finally {
        await closeStation(station);
      }
    }, { PKI_MIN_REISSUE_S: "0", CALL_TIMEOUT_MS: String(TIMEOUT_MS) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a CertificateSigned answered Accepted after the timeout makes the certificate the station's (KV)", () =>
  lateAcceptance("kv"));

Deno.test({
  name:
    "a CertificateSigned answered Accepted after the timeout makes the certificate the station's (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("late CertificateSigned on PostgreSQL"),
  fn: () => lateAcceptance("postgres"),
});

Deno.test({
  name:
    "in a cluster, a renewal asked through one node and answered late on the other makes the station's certificate",
  ignore: await ignoreWithoutPostgres("late CertificateSigned in a cluster"),
  async fn() {
    const db = await migratedDatabase("csms_cert_late");
    const dir = await Deno.makeTempDir({ prefix: "csms_cert_late_" });
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      CALL_TIMEOUT_MS: String(TIMEOUT_MS),
      PKI_MIN_REISSUE_S: "0",
    };
    // One after the other: the first creates the admin.
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    try {
      const viaA = await adminApi(a.url);
      const id = "CP-LATE-CLUSTER";
      const set = await viaA(`/station-security/${id}`, {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: KEY },
      });
      assertEquals(set.status, 200, JSON.stringify(set.body));
      const station = await connectSecurityStation(b.wsUrl, id, { password: KEY });
      try {
        await eventually(
          async () => (await viaA(`/charge-points/${id}`)).body.online === true,
          10_000,
          "online",
        );
        station.handle("ExtendedTriggerMessage", () => {
          setTimeout(async () => {
            const { csr } = await makeCsr(dir, `/CN=${id}`);
            await station.call("SignCertificate", { csr });
          }, 10);
          return { status: "Accepted" };
        });
        station.handle("CertificateSigned", async () => {
          await new Promise((r) => setTimeout(r, 3 * TIMEOUT_MS));
          return { status: "Accepted" };
        });
        const asked = await viaA(`/charge-points/${id}/ExtendedTriggerMessage`, {
          method: "POST",
          body: { requestedMessage: "SignChargePointCertificate" },
        });
        assertEquals(asked.body, { status: "Accepted" });
        const listed = await eventually(
          async () => {
            const res = await viaA(`/pki/certificates?chargePointId=${id}`);
            return res.body.items[0]?.delivery === "accepted" ? res.body : null;
          },
          15_000,
          "the late acceptance recorded, seen through node A",
        );
        assertEquals(listed!.items.map((c: Json) => [c.delivery, c.current]), [["accepted", true]]);
      } finally {
        await closeStation(station);
      }
    } finally {
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
