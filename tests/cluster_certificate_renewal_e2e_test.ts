/**
 * Certificate renewal in a cluster: two processes (nodes) on one PostgreSQL database, each scanning the
 * stations connected to it (PKI_RENEW_SCAN_S=1). A station asked by node A drops with the trigger in flight;
 * that trigger is not counted as asked, so node B asks it within seconds of its reconnecting there, and once
 * it answered, neither node asks again (the retry period is 6 hours).
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster certificate renewal e2e test");

const ID = "CP-RENEW-MOVED";
const KEY = "cluster-renewal-key-0001";

Deno.test({
  name: "cluster: a renewal trigger lost on one node is asked again by the node the station reconnects to",
  ignore,
  async fn() {
    const db = await migratedDatabase("pkifix_renewal_cluster");
    const dir = await Deno.makeTempDir({ prefix: "pkifix_renewal_cluster_" });
    const nodes: ServerProcess[] = [];
    const stations: Station[] = [];
    try {
      const env = {
        DATABASE_URL: db.url,
        ADMIN_USER: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        PRESENCE_LEASE_S: "2",
        // Due for renewal as soon as installed; each node scans every second.
        PKI_CERT_VALIDITY_DAYS: "1",
        PKI_RENEW_BEFORE_DAYS: "2",
        PKI_MIN_REISSUE_S: "0",
        PKI_RENEW_SCAN_S: "1",
      };
      const a = await spawnServer(env);
      nodes.push(a);
      const b = await spawnServer(env);
      nodes.push(b);
      const api = await adminApi(a.url);
      const set = await api(`/station-security/${ID}`, {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: KEY },
      });
      assertEquals(set.status, 200, JSON.stringify(set.body));
      const current = async () => (await api(`/pki/certificates?chargePointId=${ID}`)).body.current;

      // On node A: the station installs its certificate, and drops with A's renewal trigger in flight.
      const onA = await connectSecurityStation(a.wsUrl, ID, { password: KEY, boot: false });
      stations.push(onA);
      onA.handle("CertificateSigned", () => ({ status: "Accepted" }));
      let lost = 0;
      onA.handle("ExtendedTriggerMessage", () => {
        lost++;
        void closeStation(onA);
        return new Promise(() => {}); // never answered
      });
      await boot(onA);
      const { csr } = await makeCsr(dir, `/CN=${ID}`);
      assertEquals(await onA.call("SignCertificate", { csr }), { status: "Accepted" });
      await eventually(() => lost === 1, 15_000, "node A's trigger");
      await eventually(
        () => a.logs.some((l) => l.msg?.toString().startsWith("certificate renewal not answered")),
        10_000,
        "node A logs the trigger unanswered",
      );
      assertEquals((await current())?.renewalRequestedAt, null, "a trigger nobody answered is not a request");

      // It reconnects to node B, which asks it within a scan or two.
      const onB = await connectSecurityStation(b.wsUrl, ID, { password: KEY, boot: false });
      stations.push(onB);
      let asked = 0;
      onB.handle("ExtendedTriggerMessage", () => {
        asked++;
        return { status: "Accepted" };
      });
      await boot(onB);
      await eventually(() => asked === 1, 10_000, "node B's trigger after the reconnection");
      await eventually(
        async () => (await current())?.renewalRequestedAt !== null,
        5_000,
        "the answer recorded",
      );
      // Node B's log line comes through its output pipe, maybe after the store showed the answer (CI).
      await eventually(
        () => b.logs.some((l) => l.msg === "certificate renewal asked" && l.chargePointId === ID),
        5_000,
        "node B's log line",
      );

      // Answered: neither node asks again for the retry period (several scans here).
      await new Promise((r) => setTimeout(r, 3_000));
      assertEquals(asked, 1, "an answered trigger waits the retry period");
    } finally {
      for (const station of stations) await closeStation(station).catch(() => {});
      for (const node of nodes) await node.kill();
      await db.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** BootNotification, sent once the test's handlers are in place (a trigger may come at once). */
async function boot(station: Station): Promise<void> {
  const answer = await station.call("BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "Volt-1",
  });
  assertEquals(answer.status, "Accepted");
}
