/**
 * The renewal back-off in a cluster: two processes (nodes) on one PostgreSQL database, each scanning its own
 * stations every second. A station that never answers node A's renewal trigger (ExtendedTriggerMessage times
 * out, the station connected) is backed off; when it moves to node B, B keeps to the same back-off (it is in
 * the store, not in A's memory): not asked before the time A recorded, asked once it has passed.
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster certificate renewal back-off e2e test");

const ID = "CP-RENEW-BACKOFF";
const KEY = "cluster-backoff-key-00001";

Deno.test({
  name:
    "cluster: a station backed off for not answering node A's renewal trigger is not asked early by node B",
  ignore,
  async fn() {
    const db = await migratedDatabase("certcheck_backoff_cluster");
    const dir = await Deno.makeTempDir({ prefix: "certcheck_backoff_cluster_" });
    const nodes: ServerProcess[] = [];
    const stations: Station[] = [];
    try {
      const env = {
        DATABASE_URL: db.url,
        ADMIN_USER: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        PRESENCE_LEASE_S: "2",
        // Due for renewal as soon as installed; each node scans every second; a trigger times out in 0.5 s.
        PKI_CERT_VALIDITY_DAYS: "1",
        PKI_RENEW_BEFORE_DAYS: "2",
        PKI_MIN_REISSUE_S: "0",
        PKI_RENEW_SCAN_S: "1",
        CALL_TIMEOUT_MS: "500",
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

      // On node A: the station installs its certificate, then never answers the renewal trigger.
      const onA = await connectSecurityStation(a.wsUrl, ID, { password: KEY });
      stations.push(onA);
      onA.handle("CertificateSigned", () => ({ status: "Accepted" }));
      let askedOnA = 0;
      onA.handle("ExtendedTriggerMessage", () => {
        askedOnA++;
        return new Promise(() => {}); // never answered
      });
      const { csr } = await makeCsr(dir, `/CN=${ID}`);
      assertEquals(await onA.call("SignCertificate", { csr }), { status: "Accepted" });
      // Two unanswered in a row: backed off 4 s (1 s doubled twice) from the second timeout.
      const backedOff = await eventually(
        async () => {
          const c = await current();
          return c?.renewalUnanswered >= 2 ? c : null;
        },
        20_000,
        "two triggers unanswered on node A",
      );
      const retryAt = Date.parse(backedOff.renewalRetryAt);
      assert(retryAt - Date.now() > 2_000, `backed off until ${backedOff.renewalRetryAt}`);
      await closeStation(onA);
      await eventually(
        async () => !(await api(`/charge-points/${ID}`)).body.connected,
        10_000,
      );

      // On node B at once: B's scans see the back-off A recorded.
      const onB = await connectSecurityStation(b.wsUrl, ID, { password: KEY });
      stations.push(onB);
      const askedOnB: number[] = [];
      onB.handle("ExtendedTriggerMessage", () => {
        askedOnB.push(Date.now());
        return { status: "Rejected" };
      });
      await eventually(() => askedOnB.length >= 1, 15_000, "node B's trigger once the back-off passed");
      assert(
        askedOnB[0]! >= retryAt - 100,
        `node B asked ${retryAt - askedOnB[0]!} ms before the back-off A recorded ended`,
      );
      const answered = await eventually(
        async () => {
          const c = await current();
          return c?.renewalRequestedAt !== null ? c : null;
        },
        5_000,
        "the answer recorded",
      );
      assertEquals([answered.renewalUnanswered, answered.renewalRetryAt], [0, null]);
      assert(askedOnA >= 2);
    } finally {
      for (const station of stations) await closeStation(station).catch(() => {});
      for (const node of nodes) await node.kill();
      await db.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
