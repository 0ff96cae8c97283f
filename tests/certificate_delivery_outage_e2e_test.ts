/**
 * A station's Accepted is not lost to a brief PostgreSQL outage: the real server (`main.ts`, a child process)
 * on a throwaway cluster (tests/helpers/pg_cluster.ts, as tests/postgres_outage_test.ts) sends a strict
 * `ocpp-rpc` station its certificate; the database is stopped (`-m immediate`) before the station answers
 * Accepted, so the write of that outcome fails, and started again a moment later. The write is retried and the
 * certificate becomes the station's current one, as the operator API shows.
 *
 * With `CI=true` this test always runs; elsewhere it is ignored, with a one-line reason, when the PostgreSQL
 * server binaries are missing.
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { missingBinaries, ThrowawayCluster } from "./helpers/pg_cluster.ts";
import { IN_CI } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const missing = IN_CI ? null : missingBinaries();
if (missing !== null) console.log(`Certificate delivery outage test ignored: ${missing}`);

const KEY = "certificate-outage-key-00001";

Deno.test({
  name:
    "an Accepted CertificateSigned whose write meets a PostgreSQL outage is retried and the certificate is current",
  ignore: missing !== null,
  fn: async () => {
    const pg = await ThrowawayCluster.create();
    const dir = await Deno.makeTempDir({ prefix: "csms_cert_outage_" });
    const server = await spawnServer({
      DATABASE_URL: pg.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PKI_MIN_REISSUE_S: "0",
      CALL_TIMEOUT_MS: "10000",
    });
    let station: Station | null = null;
    try {
      const api = await adminApi(server.url);
      const set = await api("/station-security/CP-OUTAGE", {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: KEY },
      });
      assertEquals(set.status, 200, JSON.stringify(set.body));
      station = await connectSecurityStation(server.wsUrl, "CP-OUTAGE", { password: KEY });
      station.handle("CertificateSigned", async () => {
        // The database goes down between the certificate's signing and the station's answer.
        await pg.stopImmediately();
        return { status: "Accepted" };
      });
      const { csr } = await makeCsr(dir, "/CN=CP-OUTAGE");
      assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
      const retrying = (l: Record<string, unknown>) =>
        l.msg === "certificate delivery not recorded yet: retrying" && l.delivery === "accepted";
      await eventually(() => server.logs.some(retrying), 20_000, "a failed write of the acceptance");
      await pg.start();

      const recorded = (await eventually(
        () => server.logs.find((l) => l.msg === "certificate delivery recorded"),
        30_000,
        "the acceptance written once the database is back",
      ))!;
      assert((recorded.attempts as number) > 1, JSON.stringify(recorded));
      const listed = await eventually(async () => {
        const res = await api("/pki/certificates?chargePointId=CP-OUTAGE");
        return res.status === 200 ? res.body : null;
      }, 10_000);
      assertEquals(
        listed!.items.map((c: Record<string, unknown>) => [c.delivery, c.current]),
        [["accepted", true]],
      );
      assertEquals(listed!.current.serialNumber, recorded.serialNumber);
    } finally {
      if (station) await closeStation(station);
      await server.kill();
      await pg.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
